namespace Orchestrator.Actors.Connections;

/// <summary>
/// The lease policy of one endpoint, as pure bookkeeping (the connection manager does the I/O).
/// A lane keeps the id of the last response completed on it (what the server's connection-local cache holds)
/// and who completed it, so that:
/// <list type="bullet">
/// <item>a conversation gets back the free lane it used last (its cache is there: the chain stays warm);</item>
/// <item>otherwise it gets a lane never leased yet, else the least recently used free lane (whose cache is the
/// least likely to be wanted back);</item>
/// <item>when no lane is free, a new socket is asked for while under the socket limit and the limit of sockets
/// connecting at once, else the request waits.</item>
/// </list>
/// Every grant and release costs O(1) whatever the number of sockets and conversations: free lanes sit in two
/// lists (never leased, in the order their sockets opened; freed, oldest first), and each conversation's last
/// lane in an index bounded by the number of lanes (a lane names one last holder). A socket none of whose lanes
/// has been held for the idle timeout is retired by <see cref="RetireIdle"/>. Times are a monotonic clock of the
/// caller's.
/// </summary>
public sealed class LanePool(int lanesPerSocket, int maxSockets, int maxConnecting)
{
    private readonly Dictionary<long, Socket> _sockets = new();
    private readonly LinkedList<Lane> _untouched = new();
    private readonly LinkedList<Lane> _freed = new();
    private readonly Dictionary<string, Lane> _lastLaneOf = new();
    private int _connecting;

    public int SocketCount => _sockets.Count;

    /// <summary>Retiring sockets count until they close: the socket limit is a hard bound on connections.</summary>
    public bool AtSocketLimit => _sockets.Count >= maxSockets;

    /// <summary>Under the socket limit, and fewer than the limit of sockets connecting at once (no connect storm).</summary>
    public bool CanAddSocket => !AtSocketLimit && _connecting < maxConnecting;

    public int LanesInUse { get; private set; }

    /// <summary>Conversations whose last lane is remembered; at most one per lane.</summary>
    public int RememberedConversations => _lastLaneOf.Count;

    /// <summary>Adds a socket that is connecting; its lanes are leasable at once (requests wait in it until it connects).</summary>
    public void AddSocket(long socketId, TimeSpan now)
    {
        if (AtSocketLimit) throw new InvalidOperationException($"The pool already has its maximum of {maxSockets} sockets.");
        if (!CanAddSocket) throw new InvalidOperationException($"The pool already has {maxConnecting} sockets connecting.");
        var socket = new Socket(socketId, lanesPerSocket, now);
        _sockets.Add(socketId, socket);
        _connecting++;
        foreach (var lane in socket.Lanes) lane.Node = _untouched.AddLast(lane);
    }

    /// <summary>The socket's connection is open: it no longer counts against the sockets connecting at once.</summary>
    public void Connected(long socketId)
    {
        if (!_sockets.TryGetValue(socketId, out var socket) || !socket.Connecting) return;
        socket.Connecting = false;
        _connecting--;
    }

    /// <summary>No new lease on this socket; its holders keep their lanes until they release them or it closes.</summary>
    public void Retire(long socketId)
    {
        if (!_sockets.TryGetValue(socketId, out var socket) || socket.Retired) return;
        socket.Retired = true;
        foreach (var lane in socket.Lanes) Unlist(lane);
    }

    /// <summary>A retired socket none of whose lanes is held: nobody will send on it again, so it may close now.</summary>
    public bool IsDrained(long socketId) => _sockets.TryGetValue(socketId, out var socket) && socket.Retired && socket.Held == 0;

    /// <summary>
    /// Retires every connected socket none of whose lanes has been held since <paramref name="idleTimeout"/> before
    /// <paramref name="now"/>, and returns their ids: they are drained, so they may close at once.
    /// </summary>
    public IReadOnlyList<long> RetireIdle(TimeSpan now, TimeSpan idleTimeout)
    {
        var idle = _sockets.Values
            .Where(s => !s.Retired && !s.Connecting && s.Held == 0 && now - s.IdleSince >= idleTimeout)
            .Select(s => s.Id)
            .ToList();
        foreach (var id in idle) Retire(id);
        return idle;
    }

    /// <summary>Removes a socket (it died or closed); returns the holders that lost their lane.</summary>
    public IReadOnlyList<string> RemoveSocket(long socketId)
    {
        if (!_sockets.Remove(socketId, out var socket)) return [];
        if (socket.Connecting) _connecting--;
        var holders = new List<string>();
        foreach (var lane in socket.Lanes)
        {
            Unlist(lane);
            Forget(lane);
            if (lane.Holder is null) continue;
            holders.Add(lane.Holder);
            LanesInUse--;
        }
        return holders;
    }

    /// <summary>Leases a free lane to <paramref name="conversationId"/>, or returns null when none is free.</summary>
    public LaneAssignment? TryAcquire(string conversationId)
    {
        var lane = _lastLaneOf.TryGetValue(conversationId, out var last) && last.Node is not null
            ? last
            : _untouched.First?.Value ?? _freed.First?.Value;
        if (lane is null) return null;

        Unlist(lane);
        lane.Holder = conversationId;
        lane.Socket.Held++;
        LanesInUse++;
        return new LaneAssignment(lane.Socket.Id, lane.Index, lane.CachedResponseId);
    }

    /// <summary>Frees a lane; <paramref name="lastResponseId"/> (when the holder completed one) is now what its cache holds.</summary>
    public void Release(long socketId, int laneIndex, string? lastResponseId, TimeSpan now)
    {
        var lane = Free(socketId, laneIndex, now);
        if (lane is not null && lastResponseId is not null) lane.CachedResponseId = lastResponseId;
    }

    /// <summary>Frees a lane whose holder vanished without saying what it left in the cache: nobody is warm on it.</summary>
    public void Abandon(long socketId, int laneIndex, TimeSpan now)
    {
        var lane = Free(socketId, laneIndex, now);
        if (lane is not null) lane.CachedResponseId = null;
    }

    private Lane? Free(long socketId, int laneIndex, TimeSpan now)
    {
        if (!_sockets.TryGetValue(socketId, out var socket)) return null;
        var lane = socket.Lanes[laneIndex];
        if (lane.Holder is not { } holder) return null;

        Forget(lane);
        lane.LastHolder = holder;
        _lastLaneOf[holder] = lane;
        lane.Holder = null;
        LanesInUse--;
        if (--socket.Held == 0) socket.IdleSince = now;
        if (!socket.Retired) lane.Node = _freed.AddLast(lane);
        return lane;
    }

    /// <summary>The lane's last holder no longer finds its cache here (unless it has moved on to another lane since).</summary>
    private void Forget(Lane lane)
    {
        if (lane.LastHolder is { } last && _lastLaneOf.TryGetValue(last, out var remembered) && remembered == lane) _lastLaneOf.Remove(last);
        lane.LastHolder = null;
    }

    private static void Unlist(Lane lane)
    {
        if (lane.Node is null) return;
        lane.Node.List!.Remove(lane.Node);
        lane.Node = null;
    }

    private sealed class Socket
    {
        public Socket(long id, int lanes, TimeSpan now)
        {
            Id = id;
            IdleSince = now;
            Lanes = Enumerable.Range(0, lanes).Select(i => new Lane(this, i)).ToArray();
        }

        public long Id { get; }
        public Lane[] Lanes { get; }
        public int Held;
        public bool Connecting = true;
        public bool Retired;
        public TimeSpan IdleSince;
    }

    private sealed class Lane(Socket socket, int index)
    {
        public Socket Socket { get; } = socket;
        public int Index { get; } = index;
        public string? Holder;
        public string? LastHolder;
        public string? CachedResponseId;
        /// <summary>Set while the lane is free and leasable: its place in one of the free lists.</summary>
        public LinkedListNode<Lane>? Node;
    }
}

public sealed record LaneAssignment(long SocketId, int Lane, string? CachedResponseId);
