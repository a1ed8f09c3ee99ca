using Orchestrator.Actors.Connections;
using Xunit;

namespace Orchestrator.Tests.Connections;

public class ReconnectBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(10);

    // Jitter 0.5 is the middle of the [0.8, 1.2] spread, i.e. the nominal delay.
    private static TimeSpan Nominal(int failures) => ReconnectBackoff.Delay(failures, Min, Max, 0.5);

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void No_wait_without_failures(int failures)
    {
        Assert.Equal(TimeSpan.Zero, ReconnectBackoff.Delay(failures, Min, Max, 1.0));
    }

    [Theory]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(3, 800)]
    [InlineData(4, 1600)]
    [InlineData(6, 6400)]
    public void Delay_doubles_per_consecutive_failure_from_min(int failures, double expectedMs)
    {
        Assert.Equal(expectedMs, Nominal(failures).TotalMilliseconds, precision: 6);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void Delay_is_capped_at_max(int failures)
    {
        Assert.Equal(Max, ReconnectBackoff.Delay(failures, Min, Max, 1.0));
        Assert.True(Nominal(failures) <= Max);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void Jitter_spreads_over_eighty_to_one_hundred_twenty_percent(int failures)
    {
        var nominal = Nominal(failures).TotalMilliseconds;

        Assert.Equal(nominal * 0.8, ReconnectBackoff.Delay(failures, Min, Max, 0.0).TotalMilliseconds, precision: 6);
        Assert.Equal(nominal * 1.2, ReconnectBackoff.Delay(failures, Min, Max, 1.0).TotalMilliseconds, precision: 6);
    }

    [Theory]
    [InlineData(-5.0)]
    [InlineData(7.0)]
    public void Out_of_range_jitter_stays_within_bounds(double jitter)
    {
        var delay = ReconnectBackoff.Delay(2, Min, Max, jitter).TotalMilliseconds;

        Assert.InRange(delay, 400 * 0.8, 400 * 1.2);
    }

    [Fact]
    public void Jittered_delay_never_exceeds_max_near_the_cap()
    {
        // Nominal 6.4 s × 1.2 would be 7.68 s; with max 7 s it is clamped.
        Assert.Equal(TimeSpan.FromSeconds(7), ReconnectBackoff.Delay(6, Min, TimeSpan.FromSeconds(7), 1.0));
    }
}
