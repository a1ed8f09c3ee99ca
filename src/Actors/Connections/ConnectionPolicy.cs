namespace Orchestrator.Actors.Connections;

/// <summary>
/// What a <see cref="ConnectionManager"/> decides, with no actor, clock or randomness of its own: which lane a waiting
/// request gets (<see cref="LanePool"/>), when a socket opens (under the socket limit and the limit of sockets
/// connecting at once, and not before the backoff after failed connects is over), how long the endpoint is paused
/// after a 429, and which socket may close (a retired one none of whose lanes is held, an idle one, or one a holder
/// left while its response may still run). The manager tells it what happened, with the time read from its clock,
/// and carries out the answer. Times are monotonic (since the manager started), except the pause, which the sockets
/// compare with their own reading of the same clock as a UTC instant.
/// </summary>
public sealed class ConnectionPolicy(EndpointSettings settings)
{
    private readonly LanePool _pool = new(settings.LanesPerConnection, settings.MaxSockets, settings.MaxConnecting);
    private readonly HashSet<long> _connected = new();
    private long _lastSocketId;
    private int _consecutiveFailures;
    private TimeSpan _nextOpenAllowed;
    private TimeSpan? _lastWaitWarning;

    /// <summary>No request goes to the endpoint before this instant (the latest 429's Retry-After).</summary>
    public DateTime PausedUntilUtc { get; private set; } = DateTime.MinValue;

    /// <summary>A lease request joins the queue only while fewer than <see cref="EndpointSettings.MaxQueuedLeases"/> wait.</summary>
    public bool Admits(int waiting) => waiting < settings.MaxQueuedLeases;

    /// <summary>
    /// What the request at the head of the queue gets now: a lane (leased to it here), a new socket to connect (added
    /// here; its lanes are leasable at once), a wait until the backoff is over, or a wait for a lane to be released.
    /// </summary>
    public ServeStep Serve(string conversationId, TimeSpan now)
    {
        if (_pool.TryAcquire(conversationId) is { } assignment) return ServeStep.Grant(assignment);
        if (!_pool.CanAddSocket) return ServeStep.WaitForLane(warn: _pool.AtSocketLimit && WarnNow(now));
        if (_nextOpenAllowed > now) return ServeStep.OpenAfter(_nextOpenAllowed - now);
        var socketId = ++_lastSocketId;
        _pool.AddSocket(socketId, now);
        return ServeStep.Open(socketId);
    }

    /// <summary>The socket's connection is open: the endpoint is reachable, so the backoff starts over.</summary>
    public void Connected(long socketId)
    {
        _connected.Add(socketId);
        _pool.Connected(socketId);
        _consecutiveFailures = 0;
    }

    /// <summary>
    /// The socket stopped. One that never connected is a failed attempt; the first failure after the backoff is over
    /// starts the next, longer one (<paramref name="jitter01"/> spreads it): sockets opened together fail together, so
    /// a failed burst of eight backs off once, not eight steps at a time.
    /// </summary>
    public SocketStop Stopped(long socketId, TimeSpan now, double jitter01)
    {
        _pool.RemoveSocket(socketId);
        if (_connected.Remove(socketId)) return SocketStop.Closed;
        if (now < _nextOpenAllowed) return SocketStop.FailedInWave;
        _consecutiveFailures++;
        var delay = ReconnectBackoff.Delay(_consecutiveFailures, settings.MinBackoff, settings.MaxBackoff, jitter01);
        _nextOpenAllowed = now + delay;
        return SocketStop.BackedOff(_consecutiveFailures, delay);
    }

    /// <summary>The endpoint answered 429: the new end of the pause, or null when an earlier 429 already pauses longer.</summary>
    public DateTime? Throttled(DateTime nowUtc, TimeSpan retryAfter)
    {
        var until = nowUtc + retryAfter;
        if (until <= PausedUntilUtc) return null;
        PausedUntilUtc = until;
        return until;
    }

    /// <summary>The holder gave its lane back (cold: nobody is warm on it); true when its socket may close now.</summary>
    public bool Released(long socketId, int lane, string? lastResponseId, bool cold, TimeSpan now)
    {
        if (cold) _pool.Abandon(socketId, lane, now);
        else _pool.Release(socketId, lane, lastResponseId, now);
        return _pool.IsDrained(socketId);
    }

    /// <summary>The socket retires: its holders go on sending on it (their chains are cached there), new leases go elsewhere. True when it may close now.</summary>
    public bool Retiring(long socketId)
    {
        _pool.Retire(socketId);
        return _pool.IsDrained(socketId);
    }

    /// <summary>
    /// A holder stopped with this lease (deleted, handed off or crashed mid-turn) and may have left a response running
    /// on the lane, and a lane with a response in flight refuses the next send: the socket takes no new lease and
    /// closes once its responses end. Rare, so a socket costs less than tracking each lane's last response. True when
    /// it may close now.
    /// </summary>
    public bool HolderStopped(long socketId, int lane, TimeSpan now)
    {
        _pool.Abandon(socketId, lane, now);
        _pool.Retire(socketId);
        return _pool.IsDrained(socketId);
    }

    /// <summary>Retires the connected sockets none of whose lanes has been held for the idle timeout; they may close now.</summary>
    public IReadOnlyList<long> RetireIdle(TimeSpan now) => _pool.RetireIdle(now, settings.IdleTimeout);

    /// <summary>
    /// A socket to try the WebSocket path again after an HTTP fall-back (<see cref="TransportSelector.ProbeDue"/>), added
    /// like any other; null while no socket may open (the socket limit, the sockets connecting, the connect backoff).
    /// </summary>
    public long? TryOpenSocket(TimeSpan now)
    {
        if (!_pool.CanAddSocket || _nextOpenAllowed > now) return null;
        var socketId = ++_lastSocketId;
        _pool.AddSocket(socketId, now);
        return socketId;
    }

    /// <summary>At most one warning per <see cref="EndpointSettings.LeaseWaitWarningInterval"/> that requests wait at a limit.</summary>
    public bool WarnNow(TimeSpan now)
    {
        if (now - _lastWaitWarning < settings.LeaseWaitWarningInterval) return false;
        _lastWaitWarning = now;
        return true;
    }
}
