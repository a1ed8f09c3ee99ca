using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// One per node and endpoint: owns the <see cref="ResponsesSocket"/> children and leases their lanes to
/// conversations. What it decides, <see cref="ConnectionPolicy"/> decides (purely, on the time read from the injected
/// clock); this actor keeps the leases and their holders, starts and watches sockets, and carries the decisions out.
/// Sockets are opened on demand up to the limit, at most <see cref="EndpointSettings.MaxConnecting"/> connecting at
/// once, with exponential backoff after failed connects; a socket none of whose lanes has been held for
/// <see cref="EndpointSettings.IdleTimeout"/> is closed. Waiting lease requests queue (bounded); every grant records
/// how long it waited, and a wait at the socket limit logs a warning (at most once per
/// <see cref="EndpointSettings.LeaseWaitWarningInterval"/>) naming the setting to raise. A retiring socket gets no
/// new lease but keeps its holders until they release their lanes (then it is told to close) or it closes at its
/// drain limit; only then does it make room for a replacement under the socket limit. When a socket dies, every
/// holder of a lease on it is told <see cref="LaneLost"/>; when a holder dies, its lanes are freed, nobody is warm on
/// them any more, and their sockets retire.
/// <para>
/// Leases go over the transport <see cref="TransportSelector"/> names (<see cref="EndpointSettings.Transport"/>): a
/// WebSocket lane as above, or an HTTP lease on the endpoint's one <see cref="ResponsesHttp"/> child (started when first
/// needed), at most <see cref="EndpointSettings.MaxHttpRequests"/> at once; beyond them requests wait in the same queue,
/// with the same warning naming the setting. A lease keeps its transport until released, so a turn finishes on the one
/// it started on. After a fall-back to HTTP a timer opens one socket when the cool-down is over; once a socket
/// connects, new leases go over WebSockets again. Each switch is logged and counted.
/// </para>
/// </summary>
public sealed class ConnectionManager : ReceiveActor, IWithTimers
{
    private readonly EndpointSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ConnectionPolicy _policy;
    private readonly TransportSelector _selector;
    private readonly string _endpoint;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly Dictionary<long, IActorRef> _sockets = new();
    private readonly Dictionary<long, Lease> _leases = new();
    private readonly Dictionary<IActorRef, HashSet<long>> _leasesOf = new();
    private readonly Queue<Waiting> _waiting = new();
    private long _lastLeaseId;
    private IActorRef? _http;
    private int _httpLeases;

    public ConnectionManager(EndpointSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _startedAt = time.GetTimestamp();
        _policy = new ConnectionPolicy(settings);
        _selector = new TransportSelector(settings.Transport, settings.FallbackAfterFailedConnects, settings.FallbackCoolDown);
        _endpoint = settings.ResponsesUrl.Authority;
        ConnectionMetrics.TransportUsed(_endpoint, _selector.Current.Name(), 1);

        Receive<AcquireLane>(acquire =>
        {
            if (!_policy.Admits(_waiting.Count))
            {
                Sender.Tell(new LaneUnavailable(acquire.ConversationId, $"{_waiting.Count} conversations are already waiting for a lane"));
                return;
            }
            _waiting.Enqueue(new Waiting(acquire.ConversationId, Sender, _time.GetTimestamp()));
            ConnectionMetrics.Queued(1);
            Serve();
        });
        Receive<ReleaseLane>(release =>
        {
            if (!TryEnd(release.LeaseId, out var lease)) return;
            if (lease.Transport == Transport.WebSocket && _policy.Released(lease.SocketId, lease.Lane, release.LastResponseId, release.Cold, Elapsed)) Close(lease.SocketId);
            Serve();
        });
        Receive<SocketRetiring>(retiring =>
        {
            if (_policy.Retiring(retiring.SocketId)) Close(retiring.SocketId);
            Serve();
        });
        Receive<EndpointThrottled>(throttled =>
        {
            if (_policy.Throttled(_time.GetUtcNow().UtcDateTime, throttled.RetryAfter) is not { } until) return;
            ConnectionMetrics.Paused();
            _log.Warning("{0} answered 429: no request goes to it for {1:0} ms", _settings.ResponsesUrl, throttled.RetryAfter.TotalMilliseconds);
            foreach (var socket in _sockets.Values) socket.Tell(new PauseSends(until));
            _http?.Tell(new PauseSends(until));
        });
        Receive<SocketConnected>(connected =>
        {
            _policy.Connected(connected.SocketId);
            Switch(_selector.Connected(Elapsed));
            Serve();
        });
        Receive<SocketRefused>(refused =>
        {
            Switch(_selector.UpgradeRefused(refused.Status, Elapsed));
            Serve();
        });
        Receive<ProbeWebSocket>(_ => Probe());
        Receive<Terminated>(terminated =>
        {
            var socket = _sockets.FirstOrDefault(s => s.Value.Equals(terminated.ActorRef));
            if (socket.Value is not null) SocketStopped(socket.Key);
            else if (terminated.ActorRef.Equals(_http)) HttpStopped();
            else HolderStopped(terminated.ActorRef);
            Serve();
        });
        Receive<OpenAllowed>(_ => Serve());
        Receive<IdleSweep>(_ =>
        {
            foreach (var socketId in _policy.RetireIdle(Elapsed))
            {
                ConnectionMetrics.SocketIdleClosed();
                _log.Info("Socket {0} closing: none of its lanes was held for {1}", socketId, _settings.IdleTimeout);
                Close(socketId);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="time">The clock every deadline and wait is read from; <see cref="TimeProvider.System"/> when null.</param>
    public static Props Props(EndpointSettings settings, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        return Akka.Actor.Props.Create(() => new ConnectionManager(settings, clock));
    }

    /// <summary>Monotonic time since this manager started: the policy's time.</summary>
    private TimeSpan Elapsed => _time.GetElapsedTime(_startedAt);

    /// <summary>Sweeping twice per timeout closes an idle socket between one and one and a half timeouts after its last release.</summary>
    protected override void PreStart() =>
        Timers.StartPeriodicTimer(IdleSweep.Instance, IdleSweep.Instance, _settings.IdleTimeout / 2);

    protected override void PostStop() => ConnectionMetrics.TransportUsed(_endpoint, _selector.Current.Name(), -1);

    private void Serve()
    {
        var now = Elapsed;
        while (_waiting.TryPeek(out var next))
        {
            if (_selector.Current == Transport.Http)
            {
                if (_httpLeases >= _settings.MaxHttpRequests)
                {
                    if (_policy.WarnNow(now)) WarnWaitingAtHttpLimit();
                    return;
                }
                _waiting.Dequeue();
                ConnectionMetrics.Queued(-1);
                GrantHttp(next);
                continue;
            }
            var step = _policy.Serve(next.ConversationId, now);
            switch (step.Action)
            {
                case ServeAction.Grant:
                    _waiting.Dequeue();
                    ConnectionMetrics.Queued(-1);
                    Grant(next, step.Assignment!);
                    break;
                case ServeAction.Open:
                    OpenSocket(step.SocketId);
                    break;
                case ServeAction.OpenAfter:
                    Timers.StartSingleTimer(OpenAllowed.Instance, OpenAllowed.Instance, step.Delay);
                    return;
                default:
                    if (step.Warn) WarnWaitingAtSocketLimit();
                    return;
            }
        }
    }

    private void Grant(Waiting waiting, LaneAssignment assignment)
    {
        var lease = new Lease(++_lastLeaseId, waiting.Holder, assignment.SocketId, assignment.Lane, Transport.WebSocket);
        Track(lease, waiting);
        var streamId = ResponsesSocket.StreamIdOf(assignment.Lane, _settings.LanesPerConnection);
        waiting.Holder.Tell(new LaneGranted(new LaneLease(lease.LeaseId, _sockets[assignment.SocketId], assignment.SocketId, assignment.Lane, assignment.CachedResponseId, streamId)));
    }

    private void GrantHttp(Waiting waiting)
    {
        if (_http is null)
        {
            _http = Context.ActorOf(ResponsesHttp.Props(_settings, _policy.PausedUntilUtc, _time), "http");
            Context.Watch(_http);
        }
        var lease = new Lease(++_lastLeaseId, waiting.Holder, 0, 0, Transport.Http);
        _httpLeases++;
        Track(lease, waiting);
        waiting.Holder.Tell(new LaneGranted(new LaneLease(lease.LeaseId, _http, 0, 0, CachedResponseId: null, StreamId: null, Transport.Http)));
    }

    /// <summary>Carries out a switch of the selector's: logged, counted; then a WebSocket is tried again when the cool-down is over.</summary>
    private void Switch(TransportSwitch? change)
    {
        if (change is not null)
        {
            var from = change.To == Transport.Http ? Transport.WebSocket : Transport.Http;
            ConnectionMetrics.TransportUsed(_endpoint, from.Name(), -1);
            ConnectionMetrics.TransportUsed(_endpoint, change.To.Name(), 1);
            ConnectionMetrics.TransportSwitched(_endpoint, change.To.Name(), change.Reason);
            if (change.To == Transport.Http)
                _log.Warning("{0}: new turns go over HTTP for {1} ({2}); turns in flight finish where they started", _settings.ResponsesUrl, _settings.FallbackCoolDown, change.Why);
            else
                _log.Info("{0}: new turns go over WebSockets again ({1})", _settings.ResponsesUrl, change.Why);
        }
        if (_selector.UntilProbe(Elapsed) is { } wait) Timers.StartSingleTimer(ProbeWebSocket.Instance, ProbeWebSocket.Instance, wait);
        else Timers.Cancel(ProbeWebSocket.Instance);
    }

    /// <summary>The cool-down is over: one socket tries the WebSocket path while leases stay on HTTP; its connect or failure decides.</summary>
    private void Probe()
    {
        var now = Elapsed;
        if (_selector.UntilProbe(now) != TimeSpan.Zero) return;
        if (_policy.TryOpenSocket(now) is not { } socketId)
        {
            // A socket limit or the connect backoff holds it back: look again a backoff later.
            Timers.StartSingleTimer(ProbeWebSocket.Instance, ProbeWebSocket.Instance, _settings.MinBackoff);
            return;
        }
        _selector.ProbeDue(now);
        _log.Info("{0}: trying a WebSocket again after {1} on HTTP", _settings.ResponsesUrl, _settings.FallbackCoolDown);
        OpenSocket(socketId);
    }

    private void OpenSocket(long socketId)
    {
        var socket = Context.ActorOf(ResponsesSocket.Props(socketId, _settings, _policy.PausedUntilUtc, _time), $"socket-{socketId}");
        Context.Watch(socket);
        _sockets.Add(socketId, socket);
    }

    private void Track(Lease lease, Waiting waiting)
    {
        _leases.Add(lease.LeaseId, lease);
        ConnectionMetrics.LaneLeased();
        ConnectionMetrics.LeaseWaited(_time.GetElapsedTime(waiting.RequestedAt));
        if (!_leasesOf.TryGetValue(waiting.Holder, out var held))
        {
            _leasesOf.Add(waiting.Holder, held = []);
            Context.Watch(waiting.Holder);
        }
        held.Add(lease.LeaseId);
    }

    private void WarnWaitingAtHttpLimit() =>
        _log.Warning(
            "{0} lease requests wait for an HTTP lease: all {1} HTTP requests to {2} that may run at once are held. " +
            "Turns queue until one ends; raise orchestrator.connections.max-http-requests (now {1}) to run more at once.",
            _waiting.Count, _settings.MaxHttpRequests, _settings.ResponsesUrl);

    private void WarnWaitingAtSocketLimit() =>
        _log.Warning(
            "{0} lease requests wait for a lane: all {1} sockets to {2} are open (or closing) and every one of their {3} lanes is held. " +
            "Turns queue until one ends; raise orchestrator.connections.max-sockets (now {1}) to run more at once.",
            _waiting.Count, _settings.MaxSockets, _settings.ResponsesUrl, _settings.LanesPerConnection);

    /// <summary>Forgets a lease (released, lost or abandoned); stops watching its holder once it holds none.</summary>
    private bool TryEnd(long leaseId, out Lease lease)
    {
        if (!_leases.Remove(leaseId, out lease!)) return false;
        ConnectionMetrics.LaneFreed();
        if (lease.Transport == Transport.Http) _httpLeases--;
        if (_leasesOf.TryGetValue(lease.Holder, out var held) && held.Remove(leaseId) && held.Count == 0)
        {
            _leasesOf.Remove(lease.Holder);
            Context.Unwatch(lease.Holder);
        }
        return true;
    }

    private void Close(long socketId)
    {
        if (_sockets.TryGetValue(socketId, out var socket)) socket.Tell(CloseSocket.Instance);
    }

    private void SocketStopped(long socketId)
    {
        _sockets.Remove(socketId);
        var stop = _policy.Stopped(socketId, Elapsed, Random.Shared.NextDouble());
        if (stop.Failed) ConnectionMetrics.ReconnectFailed();
        if (stop.Backoff is { } delay)
            _log.Warning("Could not connect to {0} ({1} failed attempts in a row); next attempt in {2:0} ms", _settings.ResponsesUrl, stop.ConsecutiveFailures, delay.TotalMilliseconds);
        if (stop.Failed) Switch(_selector.ConnectFailed(stop.ConsecutiveFailures, Elapsed));
        foreach (var lease in _leases.Values.Where(l => l.Transport == Transport.WebSocket && l.SocketId == socketId).ToList())
        {
            TryEnd(lease.LeaseId, out _);
            lease.Holder.Tell(new LaneLost(lease.LeaseId, "the connection was lost"));
        }
    }

    /// <summary>The HTTP transport stopped (it never does but with its manager): every HTTP lease is lost; the next one starts it again.</summary>
    private void HttpStopped()
    {
        _http = null;
        foreach (var lease in _leases.Values.Where(l => l.Transport == Transport.Http).ToList())
        {
            TryEnd(lease.LeaseId, out _);
            lease.Holder.Tell(new LaneLost(lease.LeaseId, "the HTTP transport stopped"));
        }
    }

    private void HolderStopped(IActorRef holder)
    {
        if (!_leasesOf.TryGetValue(holder, out var held)) return;
        foreach (var leaseId in held.ToList())
        {
            TryEnd(leaseId, out var lease);
            // Nobody waits for its response any more: an HTTP request is aborted; a lane's socket retires.
            if (lease.Transport == Transport.Http) _http?.Tell(new CancelRequest(leaseId));
            else if (_policy.HolderStopped(lease.SocketId, lease.Lane, Elapsed)) Close(lease.SocketId);
        }
    }

    private sealed record Lease(long LeaseId, IActorRef Holder, long SocketId, int Lane, Transport Transport);

    /// <param name="RequestedAt">The <see cref="TimeProvider.GetTimestamp"/> at which the request arrived.</param>
    private sealed record Waiting(string ConversationId, IActorRef Holder, long RequestedAt);

    private sealed class OpenAllowed
    {
        public static readonly OpenAllowed Instance = new();
    }

    private sealed class IdleSweep
    {
        public static readonly IdleSweep Instance = new();
    }

    /// <summary>The cool-down after a fall-back to HTTP may be over: try a WebSocket.</summary>
    private sealed class ProbeWebSocket
    {
        public static readonly ProbeWebSocket Instance = new();
    }
}
