using Orchestrator.Actors.Connections;
using Xunit;

namespace Orchestrator.Tests.Connections;

public class StallDetectorTests
{
    private static readonly EndpointSettings Defaults = new() { ResponsesUrl = new Uri("ws://127.0.0.1:1/v1/responses") };

    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    [Fact]
    public void By_default_a_response_may_think_silently_for_just_under_5_minutes_and_run_for_hours()
    {
        Assert.Null(StallDetector.Stalled(Seconds(299), TimeSpan.FromHours(3), Defaults));
        Assert.Equal("the response stalled: no event from the server for 300 s", StallDetector.Stalled(Seconds(300), Seconds(301), Defaults));
    }

    [Fact]
    public void A_lively_response_stalls_once_it_runs_past_the_overall_limit()
    {
        var limited = Defaults with { ResponseTimeout = Seconds(60) };

        Assert.Null(StallDetector.Stalled(Seconds(1), Seconds(59.9), limited));
        Assert.Equal("the response stalled: not finished after 60 s", StallDetector.Stalled(Seconds(1), Seconds(60), limited));
    }

    [Fact]
    public void With_both_limits_off_nothing_stalls_and_nothing_is_swept()
    {
        var off = Defaults with { ResponseIdleTimeout = null };

        Assert.Null(StallDetector.Stalled(TimeSpan.FromDays(1), TimeSpan.FromDays(1), off));
        Assert.Null(StallDetector.SweepInterval(off));
    }

    [Theory]
    [InlineData(300.0, null, 1.0)]
    [InlineData(1.0, null, 0.25)]
    [InlineData(300.0, 2.0, 0.5)]
    [InlineData(null, 0.4, 0.1)]
    public void Responses_are_swept_every_quarter_of_the_shortest_limit_at_most_a_second_apart(double? idle, double? total, double expected)
    {
        var settings = Defaults with { ResponseIdleTimeout = idle is { } i ? Seconds(i) : null, ResponseTimeout = total is { } t ? Seconds(t) : null };

        Assert.Equal(Seconds(expected), StallDetector.SweepInterval(settings));
    }
}
