using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Event;
using Akka.TestKit.Xunit2;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Emulator;
using Orchestrator.Messages.Protocol;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static Orchestrator.Tests.Connections.LaneTraffic;

namespace Orchestrator.Tests.Connections;

/// <summary>
/// The connection manager against the emulator, with probes as the conversations: how many turns a node runs at once
/// on its defaults, when it opens and closes sockets, and what an operator sees when leases wait. It reads the
/// process-wide meter, hence it runs alone.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class ConnectionManagerSpec : TestKit, IAsyncLifetime
{
    private readonly MeterListener _listener = new();
    private readonly List<double> _leaseWaits = [];
    private long _lanesInUse;
    private long _peakLanesInUse;
    private EmulatorServer _emulator = null!;

    public ConnectionManagerSpec(ITestOutputHelper output) : base("akka.loglevel = INFO", output)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName && instrument.Name is ConnectionMetrics.LeaseWait or ConnectionMetrics.LanesInUse)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => { lock (_leaseWaits) _leaseWaits.Add(seconds); });
        _listener.SetMeasurementEventCallback<long>((_, delta, _, _) =>
        {
            var now = Interlocked.Add(ref _lanesInUse, delta);
            long peak;
            while (now > (peak = Interlocked.Read(ref _peakLanesInUse)) && Interlocked.CompareExchange(ref _peakLanesInUse, now, peak) != peak)
            {
            }
        });
        _listener.Start();
    }

    public async Task InitializeAsync() =>
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = TimeSpan.FromMilliseconds(200) });

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public void A_hundred_conversations_run_at_once_on_the_default_settings_over_seven_sockets()
    {
        var manager = Manager(new EndpointSettings { ResponsesUrl = _emulator.ResponsesUrl });
        var holder = CreateTestProbe();

        for (var i = 0; i < 100; i++) holder.Send(manager, new AcquireLane($"c-{i}"));
        var leases = holder.ReceiveN(100, Wait).Cast<LaneGranted>().Select(g => g.Lease).ToList();

        Assert.Equal(7, leases.Select(l => l.SocketId).Distinct().Count());
        Assert.Equal(100, leases.Select(l => (l.SocketId, l.Lane)).Distinct().Count());
        Assert.Equal(100, Interlocked.Read(ref _peakLanesInUse));
        // Every lane carries a response at the same time, each on its own stream_id.
        foreach (var lease in leases) holder.Send(lease.Socket, new SendRequest(lease.LeaseId, lease.Lane, Hello(lease.StreamId)));
        var completed = Enumerable.Range(0, 100).Select(_ => CompletedOn(holder)).ToHashSet();
        Assert.Equal(leases.Select(l => l.LeaseId).ToHashSet(), completed);
        Assert.Equal(7, _emulator.Counters.Connections);
    }

    [Fact]
    public void Many_sockets_requested_at_once_open_in_waves_and_all_carry_their_turn()
    {
        var manager = Manager(new EndpointSettings { ResponsesUrl = _emulator.ResponsesUrl, LanesPerConnection = 1, MaxSockets = 64, MaxConnecting = 4 });
        var holder = CreateTestProbe();

        for (var i = 0; i < 64; i++) holder.Send(manager, new AcquireLane($"c-{i}"));
        var leases = holder.ReceiveN(64, Wait).Cast<LaneGranted>().Select(g => g.Lease).ToList();
        foreach (var lease in leases) holder.Send(lease.Socket, new SendRequest(lease.LeaseId, lease.Lane, Hello(lease.StreamId)));

        Assert.Equal(64, leases.Select(l => l.SocketId).Distinct().Count());
        Assert.Equal(64, Enumerable.Range(0, 64).Select(_ => CompletedOn(holder)).Distinct().Count());
        Assert.Equal(64, _emulator.Counters.Connections);
    }

    [Fact]
    public async Task A_wave_of_sockets_refused_together_backs_off_once_and_the_next_wave_connects()
    {
        const int wave = 8;
        await using var refusing = await EmulatorServer.StartAsync(new EmulatorOptions
        {
            Faults = new EmulatorFaults { RefuseUpgrades = Enumerable.Range(1, wave).Select(i => (long)i).ToHashSet() },
        });
        // Counted per socket, eight failures would wait 50 ms x 2^7 (at least 5.1 s with jitter); once per wave, 50 ms.
        var manager = Manager(new EndpointSettings
        {
            ResponsesUrl = refusing.ResponsesUrl, LanesPerConnection = 1, MaxConnecting = wave,
            MinBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMinutes(1),
        });
        var holder = CreateTestProbe();
        for (var i = 0; i < wave; i++) holder.Send(manager, new AcquireLane($"c-{i}"));
        var lost = holder.ReceiveN(wave, Wait).Cast<LaneGranted>().Select(g => g.Lease.LeaseId).ToHashSet();
        Assert.Equal(lost, holder.ReceiveN(wave, Wait).Cast<LaneLost>().Select(l => l.LeaseId).ToHashSet());

        var sinceRefused = Stopwatch.StartNew();
        for (var i = 0; i < wave; i++) holder.Send(manager, new AcquireLane($"c-{i}"));
        var leases = holder.ReceiveN(wave, Wait).Cast<LaneGranted>().Select(g => g.Lease).ToList();
        foreach (var lease in leases) holder.Send(lease.Socket, new SendRequest(lease.LeaseId, lease.Lane, Hello(lease.StreamId)));

        Assert.Equal(wave, Enumerable.Range(0, wave).Select(_ => CompletedOn(holder)).Distinct().Count());
        Assert.True(sinceRefused.Elapsed < TimeSpan.FromSeconds(3), $"the second wave connected after {sinceRefused.Elapsed}");
        Assert.Equal(wave, refusing.Counters.Connections);
    }

    [Fact]
    public void An_idle_socket_is_closed_and_a_later_turn_opens_another_with_a_cold_lane()
    {
        var manager = Manager(new EndpointSettings { ResponsesUrl = _emulator.ResponsesUrl, IdleTimeout = TimeSpan.FromMilliseconds(300) });
        var holder = CreateTestProbe();
        var first = Acquire(holder, manager, "c-idle");
        holder.Send(first.Socket, new SendRequest(first.LeaseId, first.Lane, Hello(first.StreamId)));
        CompletedOn(holder);
        holder.Watch(first.Socket);

        holder.Send(manager, new ReleaseLane(first.LeaseId, "resp_1"));

        holder.ExpectTerminated(first.Socket, Wait);
        var next = Acquire(holder, manager, "c-idle");
        Assert.NotEqual(first.SocketId, next.SocketId);
        Assert.Null(next.CachedResponseId);
        holder.Send(next.Socket, new SendRequest(next.LeaseId, next.Lane, Hello(next.StreamId)));
        Assert.Equal(next.LeaseId, CompletedOn(holder));
        Assert.Equal(2, _emulator.Counters.Connections);
        AwaitAssert(() => Assert.Equal(1, _emulator.Counters.ConnectionsEnded), Wait);
    }

    [Fact]
    public void Leases_waiting_at_the_socket_limit_record_their_wait_and_warn_once_per_interval_naming_the_setting()
    {
        var manager = Manager(new EndpointSettings { ResponsesUrl = _emulator.ResponsesUrl, MaxSockets = 1, LanesPerConnection = 1 });
        var holder = CreateTestProbe();
        var warnings = CreateTestProbe();
        Sys.EventStream.Subscribe(warnings.Ref, typeof(Warning));
        var a = Acquire(holder, manager, "c-a");

        var sinceRequests = Stopwatch.StartNew();
        holder.Send(manager, new AcquireLane("c-b"));
        var warning = warnings.ExpectMsg<Warning>(Wait).Message.ToString()!;
        holder.Send(manager, new AcquireLane("c-c"));
        // The manager has taken b's request (it warned) before a's response starts: b waits at least the model's latency.
        holder.Send(a.Socket, new SendRequest(a.LeaseId, a.Lane, Hello(a.StreamId)));
        CompletedOn(holder);
        holder.Send(manager, new ReleaseLane(a.LeaseId, null));
        var b = holder.ExpectMsg<LaneGranted>(Wait).Lease;
        holder.Send(manager, new ReleaseLane(b.LeaseId, null));
        holder.ExpectMsg<LaneGranted>(Wait);
        var upperBound = sinceRequests.Elapsed.TotalSeconds;
        // A warning the manager logs after those grants arrives after any it logged before them.
        manager.Tell(new EndpointThrottled(TimeSpan.FromMilliseconds(1)));

        Assert.Contains("orchestrator.connections.max-sockets", warning);
        Assert.Contains("answered 429", warnings.ExpectMsg<Warning>(Wait).Message.ToString());
        double[] waits;
        lock (_leaseWaits) waits = _leaseWaits.ToArray();
        Assert.Equal(3, waits.Length);
        Assert.InRange(waits[1], 0.2, upperBound);
        Assert.InRange(waits[2], 0, upperBound);
    }

    [Fact]
    public void A_conversation_that_stops_holding_a_lease_retires_its_socket_so_the_lane_is_not_leased_under_a_running_response()
    {
        var manager = Manager(new EndpointSettings { ResponsesUrl = _emulator.ResponsesUrl, LanesPerConnection = 2 });
        var stopping = CreateTestProbe();
        var lease = Acquire(stopping, manager, "c-stopping");
        stopping.Send(lease.Socket, new SendRequest(lease.LeaseId, lease.Lane, Hello(lease.StreamId)));
        var held = Interlocked.Read(ref _lanesInUse);
        Sys.Stop(stopping.Ref);
        // The manager has ended the stopped holder's lease.
        AwaitCondition(() => Interlocked.Read(ref _lanesInUse) == held - 1, Wait);

        // Its response may still run on that lane: the same conversation, back at once, and a newcomer get another socket.
        var again = Acquire(CreateTestProbe(), manager, "c-stopping");
        var other = Acquire(CreateTestProbe(), manager, "c-other");
        Assert.NotEqual(lease.SocketId, again.SocketId);
        Assert.NotEqual(lease.SocketId, other.SocketId);
    }

    private IActorRef Manager(EndpointSettings settings) => Sys.ActorOf(ConnectionManager.Props(settings));
}
