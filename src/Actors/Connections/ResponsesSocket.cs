using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// One WebSocket to the Responses endpoint, owned by this actor alone.
/// <list type="bullet">
/// <item>Connects on start; requests that arrive meanwhile are stashed.</item>
/// <item>Sends are serialized through one writer loop; frames are read by one receive loop. Both loops only
/// talk to the actor by messages, never by touching its fields.</item>
/// <item>Each lane has at most one response in flight, and the socket at most
/// <see cref="EndpointSettings.MaxInFlightPerConnection"/>; requests beyond that, or sent while the endpoint is
/// paused after a 429, wait here in order. Every event is routed by its <c>stream_id</c> to the lease that sent
/// the lane's request (those its holder acts on: <see cref="HolderEvents"/>).</item>
/// <item>At its maximum age the socket retires: it tells its manager (no new leases) but keeps serving the lanes
/// already leased, whose holders are mid-turn with their chain cached here, so that their next requests still
/// continue it. It closes when the manager says no lane is held any more, after
/// <see cref="EndpointSettings.MaxDrain"/>, or at once when the server says <c>websocket_connection_limit_reached</c>:
/// closing, it refuses new requests with <see cref="LaneRetired"/> before sending anything, lets responses in
/// flight finish, then stops.</item>
/// <item>A broken connection, a malformed frame or a failed connect fails every request in flight with
/// <see cref="ModelRequestFailed"/> (so its owner resends in full) and stops the actor at once, without waiting
/// for a close handshake. The connection manager watches it and replaces it. An upgrade answered with an HTTP
/// status is reported to the manager first (<see cref="SocketRefused"/>); when that refusal switches the manager to
/// HTTP (<see cref="TransportMode.Auto"/>), the requests waiting for the connection, never sent, are answered
/// <see cref="LaneRetired"/>: sent again at once, over HTTP, without counting as a failed attempt.</item>
/// <item>A response that goes silent for <see cref="EndpointSettings.ResponseIdleTimeout"/>, or runs past
/// <see cref="EndpointSettings.ResponseTimeout"/>, on a connection that stays open has stalled: its owner gets
/// <see cref="ModelRequestFailed"/> with <c>Stalled</c> and resends in full elsewhere, and the socket retires and
/// closes as above (refusing new sends, so no lane of it is reused while the server may still answer the stalled
/// request; that response's late events are dropped).</item>
/// </list>
/// Stall detection costs one clock read per event and no timer per response: each response in flight keeps the time
/// of its last event (the receive loop notes per lane those its holder does not get), and one periodic sweep per socket
/// compares them with the limits (<see cref="StallDetector"/>).
/// </summary>
public sealed class ResponsesSocket : ReceiveActor, IWithStash, IWithTimers
{
    private readonly long _socketId;
    private readonly EndpointSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, InFlight> _inFlight = new();
    /// <summary>Lanes whose response stalled: the server may still answer it, and nothing else is sent on them.</summary>
    private readonly HashSet<int> _stalledLanes = new();
    private readonly Queue<Pending> _waiting = new();
    /// <summary>
    /// Per lane (so bounded by the lanes), who steered the response last streaming there: its steering answers, which
    /// may come after it ended, and its automatic successor, which starts without a request of ours, go to them.
    /// A request sent on the lane replaces it.
    /// </summary>
    private readonly Dictionary<int, SteerRoute> _steerRoutes = new();
    /// <summary>
    /// Per lane, when the receive loop last read an event of it that the holder does not get (<see cref="HolderEvents"/>):
    /// written by the loop, read by the stall sweep, so that those events (most of a response's) keep a response alive
    /// without a message to this actor each.
    /// </summary>
    private readonly long[] _laneHeardAt;
    private ClientWebSocket? _socket;
    private DateTime _pausedUntilUtc;
    private bool _retiring;
    private bool _closing;

    public ResponsesSocket(long socketId, EndpointSettings settings, DateTime pausedUntilUtc, TimeProvider time)
    {
        _socketId = socketId;
        _settings = settings;
        _time = time;
        _pausedUntilUtc = pausedUntilUtc;
        _laneHeardAt = new long[Math.Max(1, settings.LanesPerConnection)];
        Connecting();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="time">The clock pauses and stalls are read from; <see cref="TimeProvider.System"/> when null.</param>
    public static Props Props(long socketId, EndpointSettings settings, DateTime pausedUntilUtc = default, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        return Akka.Actor.Props.Create(() => new ResponsesSocket(socketId, settings, pausedUntilUtc, clock));
    }

    /// <summary>The <c>stream_id</c> of a lane; the single lane of a base-protocol socket has none.</summary>
    public static string? StreamIdOf(int lane, int lanesPerConnection) => lanesPerConnection <= 1 ? null : $"lane-{lane}";

    protected override void PreStart()
    {
        var self = Self;
        ConnectAsync().PipeTo(self, success: socket => new Connected(socket), failure: e => new ConnectionLost(
            $"could not connect to {_settings.ResponsesUrl}: {Describe(e)}",
            (e as UpgradeRefusedException ?? e.InnerException as UpgradeRefusedException)?.Status));
    }

    protected override void PostStop()
    {
        _shutdown.Cancel();
        _outbox.Writer.TryComplete();
        FailAll("the socket stopped");
        if (_socket is not null) ConnectionMetrics.SocketClosed();
        _socket?.Abort();
        _socket?.Dispose();
        _shutdown.Dispose();
    }

    private void Connecting()
    {
        Receive<Connected>(connected =>
        {
            _socket = connected.Socket;
            ConnectionMetrics.SocketOpened();
            Context.Parent.Tell(new SocketConnected(_socketId));
            var self = Self;
            _ = SendLoopAsync(connected.Socket, self);
            _ = ReceiveLoopAsync(connected.Socket, self);
            var age = _settings.MaxAge * (1 - _settings.MaxAgeJitter * Random.Shared.NextDouble());
            Timers.StartSingleTimer(Retire.Instance, Retire.Instance, age);
            if (StallDetector.SweepInterval(_settings) is { } sweep) Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, sweep);
            Stash.UnstashAll();
            Become(Open);
        });
        Receive<SendRequest>(_ => Stash.Stash());
        Receive<PauseSends>(Pause);
        Receive<ConnectionLost>(Lost);
    }

    private void Open()
    {
        Receive<SendRequest>(request =>
        {
            if (_closing)
            {
                Sender.Tell(new LaneRetired(request.LeaseId));
                return;
            }
            if (_inFlight.ContainsKey(request.Lane) || _waiting.Any(w => w.Request.Lane == request.Lane))
            {
                Sender.Tell(new ModelRequestFailed(request.LeaseId, $"lane {request.Lane} already has a response in flight"));
                return;
            }
            _steerRoutes.Remove(request.Lane);
            _waiting.Enqueue(new Pending(request, Sender));
            SendWaiting();
        });
        Receive<SendSteer>(Steer);
        Receive<Inbound>(inbound =>
        {
            if (RouteSteering(inbound.Event)) return;
            if (inbound.Event is ServerErrorEvent { Error.Code: ErrorCodes.ConnectionLimitReached })
            {
                // The server closes the connection next, whether or not a response is in flight.
                StartRetiring("the server's connection age limit");
                StartClosing("the server's connection age limit");
            }
            var lane = LaneOf(inbound.Event.StreamId);
            if (!_inFlight.TryGetValue(lane, out var owner))
            {
                if (_stalledLanes.Contains(lane)) return;
                _log.Warning("Socket {0}: dropped a {1} event for lane {2} with no response in flight", _socketId, inbound.Event.Type, lane);
                return;
            }
            owner.LastEventAt = _time.GetTimestamp();
            if (HolderEvents.Forwarded(inbound.Event)) owner.Owner.Tell(new ModelEvent(owner.LeaseId, inbound.Event));
            if (inbound.Event is ServerErrorEvent or ResponseLifecycleEvent { IsTerminal: true })
            {
                _inFlight.Remove(lane);
                ConnectionMetrics.ResponseEnded();
                SendWaiting();
                StopWhenDrained();
            }
        });
        Receive<Retire>(_ => StartRetiring($"its maximum age of {_settings.MaxAge}"));
        Receive<DrainTimeout>(_ => StartClosing($"it has drained for {_settings.MaxDrain}"));
        Receive<CloseSocket>(_ => StartClosing("no lane is held on it"));
        Receive<PauseSends>(Pause);
        Receive<Resume>(_ => SendWaiting());
        Receive<Sweep>(_ => FailStalled());
        Receive<ConnectionLost>(Lost);
    }

    private void Steer(SendSteer steer)
    {
        if (_closing)
        {
            Sender.Tell(new ModelEvent(steer.LeaseId, new SteerEvent(ServerEventTypes.SteerFailed, -1, null, steer.ResponseId, SteerNotSent, "the socket is closing", [])));
            return;
        }
        _steerRoutes[steer.Lane] = new SteerRoute(steer.LeaseId, Sender, steer.ResponseId);
        _outbox.Writer.TryWrite(steer.Payload);
    }

    /// <summary>
    /// A steering answer goes to whoever steered its response; the <c>response.created</c> of a successor on a lane with
    /// no response in flight, to whoever steered the lane, whose response in flight it becomes. False for anything else.
    /// </summary>
    private bool RouteSteering(ServerEvent e)
    {
        if (e is SteerEvent steer)
        {
            foreach (var route in _steerRoutes.Values)
            {
                if (route.ResponseId != steer.PreviousResponseId) continue;
                route.Owner.Tell(new ModelEvent(route.LeaseId, steer));
                return true;
            }
            return false;
        }
        // Every event of every response passes here: the lane is read only for a start while a steer is routed.
        if (_steerRoutes.Count == 0 || e is not ResponseLifecycleEvent { Type: ServerEventTypes.ResponseCreated }) return false;
        var lane = LaneOf(e.StreamId);
        if (_inFlight.ContainsKey(lane) || !_steerRoutes.Remove(lane, out var successor)) return false;
        _inFlight[lane] = new InFlight(successor.LeaseId, successor.Owner, _time.GetTimestamp());
        ConnectionMetrics.ResponseStarted();
        return false;
    }

    private void FailStalled()
    {
        if (_inFlight.Count == 0) return;
        var now = _time.GetTimestamp();
        List<(int Lane, InFlight Flight, string Reason)>? stalled = null;
        foreach (var (lane, flight) in _inFlight)
        {
            var heardAt = Math.Max(flight.LastEventAt, lane < _laneHeardAt.Length ? Volatile.Read(ref _laneHeardAt[lane]) : 0);
            var reason = StallDetector.Stalled(_time.GetElapsedTime(heardAt, now), _time.GetElapsedTime(flight.SentAt, now), _settings);
            if (reason is not null) (stalled ??= []).Add((lane, flight, reason));
        }
        if (stalled is null) return;
        foreach (var (lane, flight, reason) in stalled)
        {
            _inFlight.Remove(lane);
            _stalledLanes.Add(lane);
            ConnectionMetrics.ResponseEnded();
            flight.Owner.Tell(new ModelRequestFailed(flight.LeaseId, reason, Stalled: true));
        }
        // The server may still be working on those requests: none of this socket's lanes is trusted with a new one.
        StartRetiring("a response stalled");
        StartClosing("a response stalled");
    }

    private void SendWaiting()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (now < _pausedUntilUtc)
        {
            Timers.StartSingleTimer(Resume.Instance, Resume.Instance, _pausedUntilUtc - now);
            return;
        }
        while (_waiting.Count > 0 && _inFlight.Count < _settings.MaxInFlightPerConnection)
        {
            var next = _waiting.Dequeue();
            _inFlight[next.Request.Lane] = new InFlight(next.Request.LeaseId, next.Owner, _time.GetTimestamp());
            ConnectionMetrics.ResponseStarted();
            _outbox.Writer.TryWrite(next.Request.Payload);
        }
    }

    private void Pause(PauseSends pause)
    {
        if (pause.UntilUtc > _pausedUntilUtc) _pausedUntilUtc = pause.UntilUtc;
    }

    private void StartRetiring(string why)
    {
        if (_retiring) return;
        _retiring = true;
        ConnectionMetrics.Retired();
        _log.Info("Socket {0} retiring: {1}", _socketId, why);
        Context.Parent.Tell(new SocketRetiring(_socketId));
        Timers.StartSingleTimer(DrainTimeout.Instance, DrainTimeout.Instance, _settings.MaxDrain);
    }

    private void StartClosing(string why)
    {
        if (_closing) return;
        _closing = true;
        _log.Info("Socket {0} closing: {1}", _socketId, why);
        // Requests not yet sent go back to their owners, who lease a lane on another socket.
        while (_waiting.Count > 0)
        {
            var pending = _waiting.Dequeue();
            pending.Owner.Tell(new LaneRetired(pending.Request.LeaseId));
        }
        StopWhenDrained();
    }

    private void StopWhenDrained()
    {
        if (_closing && _inFlight.Count == 0) Context.Stop(Self);
    }

    private int LaneOf(string? streamId) =>
        streamId is not null && streamId.StartsWith("lane-", StringComparison.Ordinal) && int.TryParse(streamId.AsSpan(5), out var lane) ? lane : 0;

    /// <summary>Notes, from the receive loop, an event its lane's holder does not get; false for a lane out of range.</summary>
    private bool Heard(ServerEvent e)
    {
        var lane = LaneOf(e.StreamId);
        if (lane < 0 || lane >= _laneHeardAt.Length) return false;
        Volatile.Write(ref _laneHeardAt[lane], _time.GetTimestamp());
        return true;
    }

    private void Lost(ConnectionLost lost)
    {
        _log.Info("Socket {0} closed: {1}", _socketId, lost.Reason);
        // The manager hears of a refusal before the owners do, so that their next lease already goes over HTTP.
        if (lost.RefusedWith is { } status) Context.Parent.Tell(new SocketRefused(_socketId, status));
        var fallsBack = lost.RefusedWith is { } refused && _settings.Transport == TransportMode.Auto && TransportSelector.IsRefusal(refused);
        FailAll(lost.Reason);
        foreach (var envelope in Stash.ClearStash())
        {
            if (envelope.Message is not SendRequest request) continue;
            envelope.Sender.Tell(fallsBack ? new LaneRetired(request.LeaseId) : new ModelRequestFailed(request.LeaseId, lost.Reason));
        }
        // Requests still on their way land in dead letters; their owners learn of the loss from the manager's LaneLost.
        Context.Stop(Self);
    }

    private void FailAll(string reason)
    {
        foreach (var flight in _inFlight.Values) flight.Owner.Tell(new ModelRequestFailed(flight.LeaseId, reason));
        ConnectionMetrics.ResponseEnded(_inFlight.Count);
        _inFlight.Clear();
        // Never sent: nothing to void on the server, so the owner may send again at once.
        while (_waiting.Count > 0)
        {
            var pending = _waiting.Dequeue();
            pending.Owner.Tell(new LaneRetired(pending.Request.LeaseId));
        }
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        try
        {
            if (_settings.ApiKey is { } key) socket.Options.SetRequestHeader("Authorization", $"Bearer {key}");
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            socket.Options.CollectHttpResponseDetails = true;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(_settings.ConnectTimeout);
            await socket.ConnectAsync(_settings.ResponsesUrl, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (WebSocketException e) when (socket.HttpStatusCode is not 0 and not System.Net.HttpStatusCode.SwitchingProtocols)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            throw new UpgradeRefusedException(status, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task SendLoopAsync(ClientWebSocket socket, IActorRef self)
    {
        try
        {
            await foreach (var payload in _outbox.Reader.ReadAllAsync(_shutdown.Token).ConfigureAwait(false))
                await socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, _shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!_shutdown.IsCancellationRequested)
        {
            self.Tell(new ConnectionLost($"send failed: {Describe(e)}"));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ReceiveLoopAsync(ClientWebSocket socket, IActorRef self)
    {
        var frame = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(frame.GetMemory(16 * 1024), _shutdown.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    self.Tell(new ConnectionLost($"closed by the server ({socket.CloseStatus} {socket.CloseStatusDescription})".TrimEnd()));
                    return;
                }
                frame.Advance(result.Count);
                if (frame.WrittenCount > _settings.MaxFrameBytes)
                {
                    self.Tell(new ConnectionLost($"the server sent a frame over {_settings.MaxFrameBytes} bytes"));
                    return;
                }
                if (!result.EndOfMessage) continue;

                var e = ServerEventParser.Parse(frame.WrittenMemory, readStreamedItems: false);
                if (HolderEvents.Forwarded(e) || !Heard(e)) self.Tell(new Inbound(e));
                frame.ResetWrittenCount();
            }
        }
        catch (ProtocolException e)
        {
            self.Tell(new ConnectionLost($"protocol violation: {e.Message}"));
        }
        catch (Exception e) when (!_shutdown.IsCancellationRequested)
        {
            self.Tell(new ConnectionLost($"receive failed: {Describe(e)}"));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        WebSocketException { InnerException: { } inner } ws => $"{ws.Message} ({inner.Message})",
        _ => e.Message,
    };

    private sealed record Connected(ClientWebSocket Socket);

    /// <param name="RefusedWith">The HTTP status that answered the upgrade, when one did.</param>
    private sealed record ConnectionLost(string Reason, int? RefusedWith = null);

    /// <summary>The endpoint answered the upgrade with an HTTP status instead of switching protocols.</summary>
    private sealed class UpgradeRefusedException(int status, WebSocketException inner) : Exception(inner.Message, inner)
    {
        public int Status { get; } = status;
    }

    private sealed record Inbound(ServerEvent Event);

    /// <summary>A response in flight; <see cref="LastEventAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) moves with every event.</summary>
    private sealed class InFlight(long leaseId, IActorRef owner, long sentAt)
    {
        public long LeaseId { get; } = leaseId;
        public IActorRef Owner { get; } = owner;
        public long SentAt { get; } = sentAt;
        public long LastEventAt { get; set; } = sentAt;
    }

    private sealed record Pending(SendRequest Request, IActorRef Owner);

    private sealed record SteerRoute(long LeaseId, IActorRef Owner, string ResponseId);

    /// <summary>The code of the failure a steer gets when its socket closes before sending it.</summary>
    public const string SteerNotSent = "steer_not_sent";

    private sealed class Retire
    {
        public static readonly Retire Instance = new();
    }

    private sealed class DrainTimeout
    {
        public static readonly DrainTimeout Instance = new();
    }

    private sealed class Resume
    {
        public static readonly Resume Instance = new();
    }

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
