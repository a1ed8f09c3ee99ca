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
/// </summary>
public sealed class ConnectionManager : ReceiveActor, IWithTimers
{
    private readonly EndpointSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ConnectionPolicy _policy;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly Dictionary<long, IActorRef> _sockets = new();
    private readonly Dictionary<long, Lease> _leases = new();
    private readonly Dictionary<IActorRef, HashSet<long>> _leasesOf = new();
    private readonly Queue<Waiting> _waiting = new();
    private long _lastLeaseId;

    public ConnectionManager(EndpointSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _startedAt = time.GetTimestamp();
        _policy = new ConnectionPolicy(settings);

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
            if (_policy.Released(lease.SocketId, lease.Lane, release.LastResponseId, release.Cold, Elapsed)) Close(lease.SocketId);
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
        });
        Receive<SocketConnected>(connected =>
        {
            _policy.Connected(connected.SocketId);
            Serve();
        });
        Receive<Terminated>(terminated =>
        {
            var socket = _sockets.FirstOrDefault(s => s.Value.Equals(terminated.ActorRef));
            if (socket.Value is not null) SocketStopped(socket.Key);
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

    private void Serve()
    {
        var now = Elapsed;
        while (_waiting.TryPeek(out var next))
        {
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
        var lease = new Lease(++_lastLeaseId, waiting.Holder, assignment.SocketId, assignment.Lane);
        _leases.Add(lease.LeaseId, lease);
        ConnectionMetrics.LaneLeased();
        ConnectionMetrics.LeaseWaited(_time.GetElapsedTime(waiting.RequestedAt));
        if (!_leasesOf.TryGetValue(waiting.Holder, out var held))
        {
            _leasesOf.Add(waiting.Holder, held = []);
            Context.Watch(waiting.Holder);
        }
        held.Add(lease.LeaseId);
        var streamId = ResponsesSocket.StreamIdOf(assignment.Lane, _settings.LanesPerConnection);
        waiting.Holder.Tell(new LaneGranted(new LaneLease(lease.LeaseId, _sockets[assignment.SocketId], assignment.SocketId, assignment.Lane, assignment.CachedResponseId, streamId)));
    }

    private void OpenSocket(long socketId)
    {
        var socket = Context.ActorOf(ResponsesSocket.Props(socketId, _settings, _policy.PausedUntilUtc, _time), $"socket-{socketId}");
        Context.Watch(socket);
        _sockets.Add(socketId, socket);
    }

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
        foreach (var lease in _leases.Values.Where(l => l.SocketId == socketId).ToList())
        {
            TryEnd(lease.LeaseId, out _);
            lease.Holder.Tell(new LaneLost(lease.LeaseId, "the connection was lost"));
        }
    }

    private void HolderStopped(IActorRef holder)
    {
        if (!_leasesOf.TryGetValue(holder, out var held)) return;
        foreach (var leaseId in held.ToList())
        {
            TryEnd(leaseId, out var lease);
            if (_policy.HolderStopped(lease.SocketId, lease.Lane, Elapsed)) Close(lease.SocketId);
        }
    }

    private sealed record Lease(long LeaseId, IActorRef Holder, long SocketId, int Lane);

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
}
