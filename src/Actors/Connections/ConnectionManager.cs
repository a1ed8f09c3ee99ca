using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Connections;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// One per node and endpoint: owns the <see cref="ResponsesSocket"/> children and leases their lanes to
/// conversations through a <see cref="LanePool"/>. Sockets are opened on demand up to the limit, with
/// exponential backoff after failed connects; waiting lease requests queue (bounded). A retiring socket gets no
/// new lease but keeps its holders until they release their lanes (then it is told to close) or it closes at
/// its drain limit; only then does it make room for a replacement under the socket limit. When a socket dies,
/// every holder of a lease on it is told <see cref="LaneLost"/>; when a holder dies, its lane is freed and
/// nobody is warm on it any more.
/// </summary>
public sealed class ConnectionManager : ReceiveActor, IWithTimers
{
    private readonly EndpointSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LanePool _pool;
    private readonly Dictionary<long, IActorRef> _sockets = new();
    private readonly Dictionary<long, Lease> _leases = new();
    private readonly Queue<Waiting> _waiting = new();
    private readonly HashSet<long> _connected = new();
    private long _lastSocketId;
    private long _lastLeaseId;
    private int _consecutiveFailures;
    private DateTime _nextOpenAllowedUtc = DateTime.MinValue;
    private DateTime _pausedUntilUtc = DateTime.MinValue;

    public ConnectionManager(EndpointSettings settings)
    {
        _settings = settings;
        _pool = new LanePool(settings.LanesPerConnection, settings.MaxSockets);

        Receive<AcquireLane>(acquire =>
        {
            if (_waiting.Count >= _settings.MaxQueuedLeases)
            {
                Sender.Tell(new LaneUnavailable(acquire.ConversationId, $"{_waiting.Count} conversations are already waiting for a lane"));
                return;
            }
            _waiting.Enqueue(new Waiting(acquire.ConversationId, Sender));
            ConnectionMetrics.Queued(1);
            Serve();
        });
        Receive<ReleaseLane>(release =>
        {
            if (!_leases.Remove(release.LeaseId, out var lease)) return;
            ConnectionMetrics.LaneFreed();
            _pool.Release(lease.SocketId, lease.Lane, release.LastResponseId);
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
            var until = DateTime.UtcNow + throttled.RetryAfter;
            if (until <= _pausedUntilUtc) return;
            _pausedUntilUtc = until;
            ConnectionMetrics.Paused();
            _log.Warning("{0} answered 429: no request goes to it for {1:0} ms", _settings.ResponsesUrl, throttled.RetryAfter.TotalMilliseconds);
            foreach (var socket in _sockets.Values) socket.Tell(new PauseSends(until));
        });
        Receive<SocketConnected>(connected =>
        {
            _connected.Add(connected.SocketId);
            _consecutiveFailures = 0;
        });
        Receive<Terminated>(terminated =>
        {
            var socket = _sockets.FirstOrDefault(s => s.Value.Equals(terminated.ActorRef));
            if (socket.Value is not null) SocketStopped(socket.Key);
            else HolderStopped(terminated.ActorRef);
            Serve();
        });
        Receive<OpenAllowed>(_ => Serve());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(EndpointSettings settings) => Akka.Actor.Props.Create(() => new ConnectionManager(settings));

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
            if (!_pool.CanAddSocket) return;

            var wait = _nextOpenAllowedUtc - DateTime.UtcNow;
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
        Context.Watch(waiting.Holder);
        var streamId = ResponsesSocket.StreamIdOf(assignment.Lane, _settings.LanesPerConnection);
        waiting.Holder.Tell(new LaneGranted(new LaneLease(lease.LeaseId, _sockets[assignment.SocketId], assignment.SocketId, assignment.Lane, assignment.CachedResponseId, streamId)));
    }

    private void OpenSocket()
    {
        var id = ++_lastSocketId;
        var socket = Context.ActorOf(ResponsesSocket.Props(id, _settings, _pausedUntilUtc), $"socket-{id}");
        Context.Watch(socket);
        _sockets.Add(id, socket);
        _pool.AddSocket(id);
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
            _consecutiveFailures++;
            ConnectionMetrics.ReconnectFailed();
            var delay = ReconnectBackoff.Delay(_consecutiveFailures, _settings.MinBackoff, _settings.MaxBackoff, Random.Shared.NextDouble());
            _nextOpenAllowedUtc = DateTime.UtcNow + delay;
            _log.Warning("Could not connect to {0} ({1} failures in a row); next attempt in {2:0} ms", _settings.ResponsesUrl, _consecutiveFailures, delay.TotalMilliseconds);
        }
        foreach (var lease in _leases.Values.Where(l => l.SocketId == socketId).ToList())
        {
            _leases.Remove(lease.LeaseId);
            ConnectionMetrics.LaneFreed();
            lease.Holder.Tell(new LaneLost(lease.LeaseId, "the connection was lost"));
        }
    }

    private void HolderStopped(IActorRef holder)
    {
        foreach (var lease in _leases.Values.Where(l => l.Holder.Equals(holder)).ToList())
        {
            _leases.Remove(lease.LeaseId);
            ConnectionMetrics.LaneFreed();
            _pool.Abandon(lease.SocketId, lease.Lane);
            CloseIfDrained(lease.SocketId);
        }
    }

    private sealed record Lease(long LeaseId, IActorRef Holder, long SocketId, int Lane);

    private sealed record Waiting(string ConversationId, IActorRef Holder);

    private sealed class OpenAllowed
    {
        public static readonly OpenAllowed Instance = new();
    }
}
