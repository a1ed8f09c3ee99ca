using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Connections;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// One per node and endpoint: owns the <see cref="ResponsesSocket"/> children and leases their lanes to
/// conversations through a <see cref="LanePool"/>. Sockets are opened on demand up to the limit, at most
/// <see cref="EndpointSettings.MaxConnecting"/> connecting at once, with exponential backoff after failed connects;
/// a socket none of whose lanes has been held for <see cref="EndpointSettings.IdleTimeout"/> is closed. Waiting lease
/// requests queue (bounded); every grant records how long it waited, and a wait at the socket limit logs a warning
/// (at most once per <see cref="EndpointSettings.LeaseWaitWarningInterval"/>) naming the setting to raise. A retiring
/// socket gets no new lease but keeps its holders until they release their lanes (then it is told to close) or it
/// closes at its drain limit; only then does it make room for a replacement under the socket limit. When a socket
/// dies, every holder of a lease on it is told <see cref="LaneLost"/>; when a holder dies, its lanes are freed and
/// nobody is warm on them any more.
/// </summary>
public sealed class ConnectionManager : ReceiveActor, IWithTimers
{
    private readonly EndpointSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LanePool _pool;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly Dictionary<long, IActorRef> _sockets = new();
    private readonly Dictionary<long, Lease> _leases = new();
    private readonly Dictionary<IActorRef, HashSet<long>> _leasesOf = new();
    private readonly Queue<Waiting> _waiting = new();
    private readonly HashSet<long> _connected = new();
    private long _lastSocketId;
    private long _lastLeaseId;
    private int _consecutiveFailures;
    private DateTime _nextOpenAllowedUtc = DateTime.MinValue;
    private DateTime _pausedUntilUtc = DateTime.MinValue;
    private TimeSpan? _lastWaitWarning;

    public ConnectionManager(EndpointSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _startedAt = time.GetTimestamp();
        _pool = new LanePool(settings.LanesPerConnection, settings.MaxSockets, settings.MaxConnecting);

        Receive<AcquireLane>(acquire =>
        {
            if (_waiting.Count >= _settings.MaxQueuedLeases)
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
            if (release.Cold) _pool.Abandon(lease.SocketId, lease.Lane, Elapsed);
            else _pool.Release(lease.SocketId, lease.Lane, release.LastResponseId, Elapsed);
            CloseIfDrained(lease.SocketId);
            Serve();
        });
        Receive<SocketRetiring>(retiring =>
        {
            // Its holders go on sending on it (their chains are cached there); new leases go elsewhere.
            _pool.Retire(retiring.SocketId);
            CloseIfDrained(retiring.SocketId);
            Serve();
        });
        Receive<EndpointThrottled>(throttled =>
        {
            var until = _time.GetUtcNow().UtcDateTime + throttled.RetryAfter;
            if (until <= _pausedUntilUtc) return;
            _pausedUntilUtc = until;
            ConnectionMetrics.Paused();
            _log.Warning("{0} answered 429: no request goes to it for {1:0} ms", _settings.ResponsesUrl, throttled.RetryAfter.TotalMilliseconds);
            foreach (var socket in _sockets.Values) socket.Tell(new PauseSends(until));
        });
        Receive<SocketConnected>(connected =>
        {
            _connected.Add(connected.SocketId);
            _pool.Connected(connected.SocketId);
            _consecutiveFailures = 0;
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
            foreach (var socketId in _pool.RetireIdle(Elapsed, _settings.IdleTimeout))
            {
                ConnectionMetrics.SocketIdleClosed();
                _log.Info("Socket {0} closing: none of its lanes was held for {1}", socketId, _settings.IdleTimeout);
                CloseIfDrained(socketId);
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

    /// <summary>Monotonic time since this manager started: what the lane pool measures idleness with.</summary>
    private TimeSpan Elapsed => _time.GetElapsedTime(_startedAt);

    /// <summary>Sweeping twice per timeout closes an idle socket between one and one and a half timeouts after its last release.</summary>
    protected override void PreStart() =>
        Timers.StartPeriodicTimer(IdleSweep.Instance, IdleSweep.Instance, _settings.IdleTimeout / 2);

    private void Serve()
    {
        while (_waiting.Count > 0)
        {
            var next = _waiting.Peek();
            var assignment = _pool.TryAcquire(next.ConversationId);
            if (assignment is not null)
            {
                _waiting.Dequeue();
                ConnectionMetrics.Queued(-1);
                Grant(next, assignment);
                continue;
            }
            if (!_pool.CanAddSocket)
            {
                if (_pool.AtSocketLimit) WarnWaitingAtSocketLimit();
                return;
            }

            var wait = _nextOpenAllowedUtc - _time.GetUtcNow().UtcDateTime;
            if (wait > TimeSpan.Zero)
            {
                Timers.StartSingleTimer(OpenAllowed.Instance, OpenAllowed.Instance, wait);
                return;
            }
            OpenSocket();
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

    private void OpenSocket()
    {
        var id = ++_lastSocketId;
        var socket = Context.ActorOf(ResponsesSocket.Props(id, _settings, _pausedUntilUtc, _time), $"socket-{id}");
        Context.Watch(socket);
        _sockets.Add(id, socket);
        _pool.AddSocket(id, Elapsed);
    }

    private void WarnWaitingAtSocketLimit()
    {
        var now = Elapsed;
        if (now - _lastWaitWarning < _settings.LeaseWaitWarningInterval) return;
        _lastWaitWarning = now;
        _log.Warning(
            "{0} lease requests wait for a lane: all {1} sockets to {2} are open (or closing) and every one of their {3} lanes is held. " +
            "Turns queue until one ends; raise orchestrator.connections.max-sockets (now {1}) to run more at once.",
            _waiting.Count, _settings.MaxSockets, _settings.ResponsesUrl, _settings.LanesPerConnection);
    }

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

    private void CloseIfDrained(long socketId)
    {
        if (_pool.IsDrained(socketId) && _sockets.TryGetValue(socketId, out var socket)) socket.Tell(CloseSocket.Instance);
    }

    private void SocketStopped(long socketId)
    {
        _sockets.Remove(socketId);
        _pool.RemoveSocket(socketId);
        if (!_connected.Remove(socketId))
        {
            ConnectionMetrics.ReconnectFailed();
            // Sockets opened together fail together: one backoff for the wave, not one step per socket, so a failed
            // burst of eight does not jump straight to the longest wait.
            if (_time.GetUtcNow().UtcDateTime >= _nextOpenAllowedUtc)
            {
                _consecutiveFailures++;
                var delay = ReconnectBackoff.Delay(_consecutiveFailures, _settings.MinBackoff, _settings.MaxBackoff, Random.Shared.NextDouble());
                _nextOpenAllowedUtc = _time.GetUtcNow().UtcDateTime + delay;
                _log.Warning("Could not connect to {0} ({1} failed attempts in a row); next attempt in {2:0} ms", _settings.ResponsesUrl, _consecutiveFailures, delay.TotalMilliseconds);
            }
        }
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
            _pool.Abandon(lease.SocketId, lease.Lane, Elapsed);
            // A holder that stops with a lease (deleted, handed off or crashed mid-turn) may leave a response running on
            // that lane, and a lane with a response in flight refuses the next send: the socket takes no new lease and
            // closes once its responses end. Rare, so a socket costs less than tracking each lane's last response.
            _pool.Retire(lease.SocketId);
            CloseIfDrained(lease.SocketId);
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
