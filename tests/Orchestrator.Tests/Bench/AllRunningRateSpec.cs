using System.Diagnostics;
using Orchestrator.Load;
using Xunit;

namespace Orchestrator.Tests.Bench;

public sealed class AllRunningRateSpec
{
    private static long At(double seconds) => (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void Counts_the_responses_after_the_first_up_to_the_first_conversations_end()
    {
        // The start (nothing back before 0.5 s) and the tail (after 2 s) are left out: 3 responses in 1.5 s.
        long[] ended = [At(0.5), At(1.0), At(1.5), At(2.0), At(4.0), At(9.0)];

        Assert.Equal(2.0, AllRunningRate.PerSecond(ended, At(2.0))!.Value, precision: 6);
    }

    [Fact]
    public void Has_no_rate_when_no_response_ended_inside_the_span()
    {
        Assert.Null(AllRunningRate.PerSecond([], At(1)));
        Assert.Null(AllRunningRate.PerSecond([At(2.0), At(3.0)], At(1.0)));
    }
}
