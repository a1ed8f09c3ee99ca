using Akka.Actor;
using Akka.TestKit.Xunit2;
using Orchestrator.Actors.Connections;
using Orchestrator.Emulator;
using Orchestrator.Messages.Protocol;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static Orchestrator.Tests.Connections.LaneTraffic;

namespace Orchestrator.Tests.Connections;

/// <summary>
/// One socket against the emulator on real loopback sockets, its clock and timers under <see cref="ManualTime"/>;
/// the test actor is its parent (the manager's place) and a probe its conversation. It reads the process-wide meter,
/// hence it runs alone.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class ResponsesSocketSpec : TestKit, IAsyncLifetime
{
    private const int Lanes = 2;
    private readonly ManualTime _time;
    private EmulatorServer _emulator = null!;

    public ResponsesSocketSpec(ITestOutputHelper output) : base(ManualTime.Config, output) => _time = new ManualTime(Sys);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_emulator is not null) await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task A_response_silent_for_the_idle_timeout_fails_as_stalled_and_its_socket_retires_and_closes()
    {
        await StartEmulator(new EmulatorFaults { HangOnRequests = new HashSet<long> { 1 } });
        var socket = Socket(Settings() with { ResponseIdleTimeout = TimeSpan.FromMinutes(5) });
        var holder = CreateTestProbe();
        holder.Watch(socket);
        holder.Send(socket, new SendRequest(1, 0, Hello(StreamIdOf(0))));
        holder.FishForMessage<ModelEvent>(m => m.Event.Type == ServerEventTypes.ResponseInProgress, Wait);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        // The sweep has looked (it runs every second) and the response is still in flight: a second send on its lane is refused as such.
        holder.Send(socket, new SendRequest(1, 0, Hello(StreamIdOf(0))));
        Assert.Contains("already has a response in flight", holder.ExpectMsg<ModelRequestFailed>(Wait).Reason);
        _time.Advance(TimeSpan.FromSeconds(1));

        var failed = holder.ExpectMsg<ModelRequestFailed>(Wait);
        Assert.True(failed.Stalled);
        Assert.Contains("no event from the server for 300 s", failed.Reason);
        ExpectMsg<SocketRetiring>(Wait);
        holder.ExpectTerminated(socket, Wait);
    }

    [Fact]
    public async Task At_its_maximum_age_a_socket_retires_serves_its_leased_lanes_until_the_drain_limit_then_refuses_new_sends()
    {
        await StartEmulator(new EmulatorFaults { HangOnRequests = new HashSet<long> { 2 } });
        var socket = Socket(Settings() with { MaxAge = TimeSpan.FromMinutes(10), MaxAgeJitter = 0, MaxDrain = TimeSpan.FromMinutes(4) });
        var holder = CreateTestProbe();

        _time.Advance(TimeSpan.FromMinutes(10));
        ExpectMsg<SocketRetiring>(Wait);
        holder.Send(socket, new SendRequest(1, 0, Hello(StreamIdOf(0))));
        Assert.Equal(1, CompletedOn(holder));
        // This one hangs, so the socket has a response in flight when its drain ends.
        holder.Send(socket, new SendRequest(2, 0, Hello(StreamIdOf(0))));
        holder.FishForMessage<ModelEvent>(m => m.Event.Type == ServerEventTypes.ResponseInProgress, Wait);
        _time.Advance(TimeSpan.FromMinutes(4));

        holder.Send(socket, new SendRequest(3, 1, Hello(StreamIdOf(1))));
        Assert.Equal(3, holder.ExpectMsg<LaneRetired>(Wait).LeaseId);
        Assert.Equal(2, _emulator.Counters.Requests);
    }

    [Fact]
    public async Task A_socket_opened_during_a_pause_sends_nothing_until_the_pause_is_over_on_the_clock()
    {
        await StartEmulator(EmulatorFaults.None);
        using var inFlight = new InFlightResponses();
        var socket = Socket(Settings(), pausedUntilUtc: _time.Clock.GetUtcNow().UtcDateTime.AddSeconds(30));
        var holder = CreateTestProbe();
        var lease = new LaneLease(1, socket, 1, 0, null, StreamIdOf(0));
        SendHello(holder, lease);
        ExpectHeld(holder, lease, inFlight);

        _time.Advance(TimeSpan.FromSeconds(29));
        holder.Send(socket, new PauseSends(_time.Clock.GetUtcNow().UtcDateTime.AddSeconds(5)));
        _time.Advance(TimeSpan.FromSeconds(1));
        // Its resume timer has fired at the first pause's end, and the clock says the second one is not over.
        ExpectHeld(holder, lease, inFlight);
        _time.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(1, CompletedOn(holder));
        Assert.Equal(1, _emulator.Counters.Requests);
    }

    [Fact]
    public async Task The_holder_gets_the_lifecycle_and_the_text_deltas_not_the_items_streamed_one_by_one()
    {
        await StartEmulator(new EmulatorFaults());
        var socket = Socket(Settings());
        var holder = CreateTestProbe();
        holder.Send(socket, new SendRequest(1, 0, Hello(StreamIdOf(0))));

        var types = new List<string>();
        ServerEvent received;
        do
        {
            received = holder.ExpectMsg<ModelEvent>(Wait).Event;
            types.Add(received.Type);
        }
        while (received is not ResponseLifecycleEvent { IsTerminal: true });

        // The emulator streams output_item.added / .done and content_part.* around the deltas as well.
        Assert.Equal([ServerEventTypes.ResponseCreated, ServerEventTypes.ResponseInProgress], types[..2]);
        Assert.All(types[2..^1], type => Assert.Equal(ServerEventTypes.OutputTextDelta, type));
        Assert.NotEmpty(types[2..^1]);
        Assert.Equal(ServerEventTypes.ResponseCompleted, types[^1]);
        Assert.Single(Assert.IsType<ResponseLifecycleEvent>(received).Response.Output);
        holder.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    private async Task StartEmulator(EmulatorFaults faults) =>
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults });

    /// <summary>Starts a socket whose parent is the test actor, and waits until it has connected and started its timers.</summary>
    private IActorRef Socket(EndpointSettings settings, DateTime pausedUntilUtc = default)
    {
        var socket = ChildActorOf(ResponsesSocket.Props(1, settings, pausedUntilUtc, _time.Clock));
        ExpectMsg<SocketConnected>(Wait);
        // It starts its timers after saying so.
        Barrier(CreateTestProbe(), socket);
        return socket;
    }

    private EndpointSettings Settings() =>
        new() { ResponsesUrl = _emulator.ResponsesUrl, LanesPerConnection = Lanes, MaxAge = TimeSpan.FromDays(1), ResponseIdleTimeout = null };

    private static string? StreamIdOf(int lane) => ResponsesSocket.StreamIdOf(lane, Lanes);
}
