using Orchestrator.Load;
using Xunit;

namespace Orchestrator.Tests.Bench;

/// <summary>Nearest-rank percentiles, as the bench reports them.</summary>
public sealed class PercentilesSpec
{
    [Fact]
    public void Percentiles_of_one_to_a_hundred_are_the_nearest_ranks()
    {
        var p = Percentiles.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToArray());

        Assert.Equal(new Percentiles(100, 50, 95, 99, 100), p);
    }

    [Fact]
    public void No_samples_give_no_figures_rather_than_zeros()
    {
        var p = Percentiles.Of([]);

        Assert.Equal(0, p.Count);
        Assert.True(double.IsNaN(p.P99));
    }
}
