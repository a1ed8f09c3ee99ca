using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Emulator;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static Orchestrator.Tests.Connections.LaneTraffic;

namespace Orchestrator.Tests.Connections;

/// <summary>
/// The connection manager's timed decisions (lease waits, 429 pauses, connect backoff, idle closes) under
/// <see cref="ManualTime"/>, with probes as the conversations and the emulator as the endpoint. Every "not yet" is
/// shown by a message that the manager or socket answers after the decision, never by a silence. It reads the
/// process-wide meter, hence it runs alone.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class ConnectionManagerClockSpec : TestKit, IAsyncLifetime
{
    private readonly ManualTime _time;
    private readonly MeterListener _listener = new();
    private readonly List<double> _leaseWaits = [];
    private readonly InFlightResponses _inFlight = new();
    private EmulatorServer _emulator = null!;

    public ConnectionManagerClockSpec(ITestOutputHelper output) : base(ManualTime.Config, output)
    {
        _time = new ManualTime(Sys);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName && instrument.Name == ConnectionMetrics.LeaseWait)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => { lock (_leaseWaits) _leaseWaits.Add(seconds); });
        _listener.Start();
    }

    public async Task InitializeAsync() => _emulator = await EmulatorServer.StartAsync(new EmulatorOptions());

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        _inFlight.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public void A_lease_waits_at_the_socket_limit_until_a_holder_releases_and_its_wait_is_measured_on_the_clock()
    {
        var manager = Manager(Settings(_emulator) with { MaxSockets = 1, LanesPerConnection = 1, MaxQueuedLeases = 1 });
        var holder = CreateTestProbe();
        var a = Acquire(holder, manager, "c-a");

        holder.Send(manager, new AcquireLane("c-b"));
        holder.Send(manager, new AcquireLane("c-c"));
        // The queue is full with b: c is refused, and a grant of b would have come first.
        Assert.Contains("1 conversations are already waiting", holder.ExpectMsg<LaneUnavailable>(Wait).Reason);
        _time.Advance(TimeSpan.FromSeconds(7));
        holder.Send(manager, new ReleaseLane(a.LeaseId, "resp_a"));

        var b = holder.ExpectMsg<LaneGranted>(Wait).Lease;
        Assert.Equal((a.SocketId, a.Lane), (b.SocketId, b.Lane));
        Assert.Equal("resp_a", b.CachedResponseId);
        lock (_leaseWaits) Assert.Equal(new[] { 0d, 7d }, _leaseWaits);
    }

    [Fact]
    public void A_retiring_socket_takes_no_new_lease_keeps_serving_its_holder_and_closes_when_the_holder_releases()
    {
        var manager = Manager(Settings(_emulator) with { LanesPerConnection = 2 });
        var holder = CreateTestProbe();
        var a = Acquire(holder, manager, "c-a");
        holder.Watch(a.Socket);

        // What the socket says at its maximum age (ResponsesSocketSpec shows it does).
        holder.Send(manager, new SocketRetiring(a.SocketId));
        var other = Acquire(holder, manager, "c-other");
        SendHello(holder, a);

        Assert.NotEqual(a.SocketId, other.SocketId);
        Assert.Equal(a.LeaseId, CompletedOn(holder));
        holder.Send(manager, new ReleaseLane(a.LeaseId, "resp_a"));
        holder.ExpectTerminated(a.Socket, Wait);
    }

    [Fact]
    public void A_429_holds_every_request_until_its_Retry_After_has_passed_on_the_clock_and_a_second_one_extends_the_pause()
    {
        var manager = Manager(Settings(_emulator) with { LanesPerConnection = 2 });
        var holder = CreateTestProbe();
        holder.Send(manager, new EndpointThrottled(TimeSpan.FromSeconds(30)));
        // Opened during the pause, the socket inherits it.
        var a = Acquire(holder, manager, "c-a");
        SendHello(holder, a);
        ExpectHeld(holder, a, _inFlight);

        _time.Advance(TimeSpan.FromSeconds(20));
        holder.Send(manager, new EndpointThrottled(TimeSpan.FromSeconds(30)));
        // The manager has told its sockets of the longer pause, before anything the holder sends next reaches them.
        Barrier(holder, manager);
        _time.Advance(TimeSpan.FromSeconds(10));
        ExpectHeld(holder, a, _inFlight);
        _time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(a.LeaseId, CompletedOn(holder));
        Assert.Equal(1, _emulator.Counters.Requests);
    }

    [Fact]
    public async Task After_a_failed_connect_the_next_socket_opens_only_once_the_backoff_has_passed_on_the_clock()
    {
        await using var refusing = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Faults = new EmulatorFaults { RefuseUpgrades = new HashSet<long> { 1 } },
        });
        // The first backoff is 8 to 12 s (10 s with jitter).
        var manager = Manager(Settings(refusing) with
        {
            LanesPerConnection = 1,
            MaxQueuedLeases = 1,
            MinBackoff = TimeSpan.FromSeconds(10),
            MaxBackoff = TimeSpan.FromMinutes(1),
        });
        var holder = CreateTestProbe();
        var refused = Acquire(holder, manager, "c-a");
        Assert.Equal(refused.LeaseId, holder.ExpectMsg<LaneLost>(Wait).LeaseId);

        holder.Send(manager, new AcquireLane("c-a"));
        Barrier(holder, manager);
        _time.Advance(TimeSpan.FromSeconds(7));
        holder.Send(manager, new AcquireLane("c-b"));
        // a still waits for a socket (its grant would have come first), so b finds the queue full.
        holder.ExpectMsg<LaneUnavailable>(Wait);
        _time.Advance(TimeSpan.FromSeconds(5));

        var lease = holder.ExpectMsg<LaneGranted>(Wait).Lease;
        Assert.NotEqual(refused.SocketId, lease.SocketId);
        SendHello(holder, lease);
        Assert.Equal(lease.LeaseId, CompletedOn(holder));
        Assert.Equal(1, refusing.Counters.Connections);
    }

    [Fact]
    public void A_socket_is_closed_an_idle_timeout_after_its_last_lane_is_released_never_while_one_is_held()
    {
        var idle = TimeSpan.FromMinutes(10);
        var manager = Manager(Settings(_emulator) with { IdleTimeout = idle, LanesPerConnection = 2 });
        var holder = CreateTestProbe();
        var a = Acquire(holder, manager, "c-a");
        SendHello(holder, a);
        CompletedOn(holder);
        holder.Watch(a.Socket);

        _time.Advance(3 * idle);
        // The sweep has run with a's lane held: b gets the other lane of the same socket.
        var b = Acquire(holder, manager, "c-b");
        Assert.Equal(a.SocketId, b.SocketId);
        holder.Send(manager, new ReleaseLane(a.LeaseId, "resp_a"));
        holder.Send(manager, new ReleaseLane(b.LeaseId, null));
        Barrier(holder, manager);
        _time.Advance(idle);

        holder.ExpectTerminated(a.Socket, Wait);
        var next = Acquire(holder, manager, "c-a");
        Assert.NotEqual(a.SocketId, next.SocketId);
        Assert.Null(next.CachedResponseId);
    }

    /// <summary>Only the decision under test runs: no maximum age or stall limit falls within the time a spec advances.</summary>
    private static EndpointSettings Settings(EmulatorServer emulator) =>
        new() { ResponsesUrl = emulator.ResponsesUrl, MaxAge = TimeSpan.FromDays(1), ResponseIdleTimeout = null };

    private IActorRef Manager(EndpointSettings settings) => Sys.ActorOf(ConnectionManager.Props(settings, _time.Clock));
}
