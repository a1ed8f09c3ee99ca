using Orchestrator.Actors.Connections;
using Xunit;

namespace Orchestrator.Tests.Connections;

/// <summary>The connection manager's decisions, with no actor system: time is whatever each test says it is.</summary>
public class ConnectionPolicyTests
{
    private static readonly TimeSpan T0 = TimeSpan.Zero;
    private static readonly DateTime Noon = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static EndpointSettings Settings(int maxSockets = 4, int lanes = 1, int maxConnecting = 2) => new()
    {
        ResponsesUrl = new Uri("ws://127.0.0.1:1/v1/responses"), MaxSockets = maxSockets, LanesPerConnection = lanes, MaxConnecting = maxConnecting,
        MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(30), IdleTimeout = TimeSpan.FromMinutes(5),
        LeaseWaitWarningInterval = TimeSpan.FromMinutes(1), MaxQueuedLeases = 2,
    };

    [Fact]
    public void A_request_with_no_free_lane_opens_a_socket_whose_lane_it_then_gets()
    {
        var policy = new ConnectionPolicy(Settings());

        Assert.Equal(ServeStep.Open(1), policy.Serve("a", T0));
        Assert.Equal(ServeStep.Grant(new LaneAssignment(1, 0, null)), policy.Serve("a", T0));
    }

    [Fact]
    public void No_more_sockets_connect_at_once_than_the_limit_and_a_connect_makes_room()
    {
        var policy = new ConnectionPolicy(Settings(maxConnecting: 2));
        Open(policy, "a", T0);
        Open(policy, "b", T0);

        Assert.Equal(ServeStep.WaitForLane(warn: false), policy.Serve("c", T0));
        policy.Connected(1);
        Assert.Equal(ServeStep.Open(3), policy.Serve("c", T0));
    }

    [Fact]
    public void At_the_socket_limit_a_request_waits_with_one_warning_per_interval()
    {
        var policy = new ConnectionPolicy(Settings(maxSockets: 1));
        Open(policy, "a", T0);
        policy.Connected(1);

        Assert.Equal(ServeStep.WaitForLane(warn: true), policy.Serve("b", T0));
        Assert.Equal(ServeStep.WaitForLane(warn: false), policy.Serve("b", TimeSpan.FromSeconds(59)));
        Assert.Equal(ServeStep.WaitForLane(warn: true), policy.Serve("b", TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void The_queue_admits_requests_up_to_its_limit()
    {
        var policy = new ConnectionPolicy(Settings());

        Assert.True(policy.Admits(1));
        Assert.False(policy.Admits(2));
    }

    [Fact]
    public void After_a_failed_connect_the_next_socket_opens_once_the_backoff_is_over()
    {
        var policy = new ConnectionPolicy(Settings());
        Open(policy, "a", T0);

        var stop = policy.Stopped(1, T0, jitter01: 0.5);

        Assert.Equal(new SocketStop(true, TimeSpan.FromSeconds(1), 1), stop);
        Assert.Equal(ServeStep.OpenAfter(TimeSpan.FromMilliseconds(400)), policy.Serve("a", TimeSpan.FromMilliseconds(600)));
        Assert.Equal(ServeStep.Open(2), policy.Serve("a", TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Sockets_that_fail_together_back_off_once_and_the_next_failure_doubles_the_wait()
    {
        var policy = new ConnectionPolicy(Settings());
        Open(policy, "a", T0);
        Open(policy, "b", T0);

        Assert.Equal(1, policy.Stopped(1, T0, 0.5).ConsecutiveFailures);
        Assert.Equal(SocketStop.FailedInWave, policy.Stopped(2, T0, 0.5));
        Assert.Equal(ServeStep.Open(3), policy.Serve("a", TimeSpan.FromSeconds(1)));
        Assert.Equal(new SocketStop(true, TimeSpan.FromSeconds(2), 2), policy.Stopped(3, TimeSpan.FromSeconds(1), 0.5));
    }

    [Fact]
    public void A_connect_starts_the_backoff_over_and_a_connected_socket_stopping_is_no_failure()
    {
        var policy = new ConnectionPolicy(Settings());
        Open(policy, "a", T0);
        policy.Stopped(1, T0, 0.5);
        Open(policy, "a", TimeSpan.FromSeconds(1));
        policy.Connected(2);

        Assert.Equal(SocketStop.Closed, policy.Stopped(2, TimeSpan.FromSeconds(2), 0.5));
        Open(policy, "b", TimeSpan.FromSeconds(2));
        Assert.Equal(new SocketStop(true, TimeSpan.FromSeconds(1), 1), policy.Stopped(3, TimeSpan.FromSeconds(2), 0.5));
    }

    [Fact]
    public void A_429_pauses_the_endpoint_and_only_a_later_end_extends_the_pause()
    {
        var policy = new ConnectionPolicy(Settings());

        Assert.Equal(Noon.AddSeconds(30), policy.Throttled(Noon, TimeSpan.FromSeconds(30)));
        Assert.Null(policy.Throttled(Noon.AddSeconds(10), TimeSpan.FromSeconds(5)));
        Assert.Equal(Noon.AddSeconds(40), policy.Throttled(Noon.AddSeconds(10), TimeSpan.FromSeconds(30)));
        Assert.Equal(Noon.AddSeconds(40), policy.PausedUntilUtc);
    }

    [Fact]
    public void A_retiring_socket_closes_when_its_last_holder_releases_and_leases_no_more()
    {
        var policy = new ConnectionPolicy(Settings(lanes: 2));
        var a = Open(policy, "a", T0);
        policy.Connected(1);

        Assert.False(policy.Retiring(1));
        Assert.Equal(ServeStep.Open(2), policy.Serve("b", T0));
        Assert.True(policy.Released(a.SocketId, a.Lane, "resp_a", cold: false, T0));
    }

    [Fact]
    public void A_holder_that_stops_retires_its_socket_which_closes_once_no_lane_is_held()
    {
        var policy = new ConnectionPolicy(Settings(lanes: 2));
        var a = Open(policy, "a", T0);
        policy.Connected(1);
        var b = Grant(policy, "b", T0);

        Assert.False(policy.HolderStopped(a.SocketId, a.Lane, T0));
        Assert.Equal(ServeStep.Open(2), policy.Serve("a", T0));
        Assert.True(policy.Released(b.SocketId, b.Lane, null, cold: false, T0));
    }

    [Fact]
    public void A_cold_release_leaves_nobody_warm_on_the_lane()
    {
        var policy = new ConnectionPolicy(Settings());
        var a = Open(policy, "a", T0);

        Assert.False(policy.Released(a.SocketId, a.Lane, "resp_a", cold: true, T0));
        Assert.Null(Grant(policy, "a", T0).CachedResponseId);
    }

    [Fact]
    public void A_socket_is_idle_an_idle_timeout_after_its_last_release()
    {
        var policy = new ConnectionPolicy(Settings());
        var a = Open(policy, "a", T0);
        policy.Connected(1);

        Assert.Empty(policy.RetireIdle(TimeSpan.FromMinutes(10)));
        policy.Released(a.SocketId, a.Lane, "resp_a", cold: false, TimeSpan.FromMinutes(10));
        Assert.Empty(policy.RetireIdle(TimeSpan.FromMinutes(14)));
        Assert.Equal(new[] { 1L }, policy.RetireIdle(TimeSpan.FromMinutes(15)));
    }

    /// <summary>Serves a request that opens a socket, then gets a lane of it.</summary>
    private static LaneAssignment Open(ConnectionPolicy policy, string conversationId, TimeSpan now)
    {
        Assert.Equal(ServeAction.Open, policy.Serve(conversationId, now).Action);
        return Grant(policy, conversationId, now);
    }

    private static LaneAssignment Grant(ConnectionPolicy policy, string conversationId, TimeSpan now)
    {
        var step = policy.Serve(conversationId, now);
        Assert.Equal(ServeAction.Grant, step.Action);
        return step.Assignment!;
    }
}
