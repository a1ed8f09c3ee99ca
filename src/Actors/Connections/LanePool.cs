namespace Orchestrator.Actors.Connections;

/// <summary>
/// The lease policy of one endpoint, as pure bookkeeping (the connection manager does the I/O).
/// A lane keeps the id of the last response completed on it (what the server's connection-local cache holds)
/// and who completed it, so that:
/// <list type="bullet">
/// <item>a conversation gets back the free lane it used last (its cache is there: the chain stays warm);</item>
/// <item>otherwise it gets the least recently used free lane;</item>
/// <item>when no lane is free, a new socket is asked for while under the socket limit, else the request waits.</item>
/// </list>
/// </summary>
public sealed class LanePool(int lanesPerSocket, int maxSockets)
{
    private readonly Dictionary<long, Lane[]> _sockets = new();
    private readonly HashSet<long> _retired = new();
    private long _clock;

    public int SocketCount => _sockets.Count;

    /// <summary>Retiring sockets count until they close: the socket limit is a hard bound on connections.</summary>
    public bool CanAddSocket => _sockets.Count < maxSockets;

    public int LanesInUse => _sockets.Values.Sum(lanes => lanes.Count(l => l.Holder is not null));

    public void AddSocket(long socketId)
    {
        if (!CanAddSocket) throw new InvalidOperationException($"The pool already has its maximum of {maxSockets} sockets.");
        _sockets.Add(socketId, Enumerable.Range(0, lanesPerSocket).Select(_ => new Lane()).ToArray());
    }

    /// <summary>No new lease on this socket; its holders keep their lanes until they release them or it closes.</summary>
    public void Retire(long socketId)
    {
        if (_sockets.ContainsKey(socketId)) _retired.Add(socketId);
    }

    /// <summary>A retired socket none of whose lanes is held: nobody will send on it again, so it may close now.</summary>
    public bool IsDrained(long socketId) =>
        _retired.Contains(socketId) && _sockets.TryGetValue(socketId, out var lanes) && lanes.All(l => l.Holder is null);

    /// <summary>Removes a socket (it died or closed); returns the holders that lost their lane.</summary>
    public IReadOnlyList<string> RemoveSocket(long socketId)
    {
        _retired.Remove(socketId);
        if (!_sockets.Remove(socketId, out var lanes)) return [];
        return lanes.Where(l => l.Holder is not null).Select(l => l.Holder!).ToList();
    }

    /// <summary>Leases a free lane to <paramref name="conversationId"/>, or returns null when none is free.</summary>
    public LaneAssignment? TryAcquire(string conversationId)
    {
        (long SocketId, int Index, Lane Lane)? best = null;
        foreach (var (socketId, lanes) in _sockets)
        {
            if (_retired.Contains(socketId)) continue;
            for (var i = 0; i < lanes.Length; i++)
            {
                var lane = lanes[i];
                if (lane.Holder is not null) continue;
                if (lane.LastHolder == conversationId) { best = (socketId, i, lane); goto found; }
                if (best is null || lane.LastUsed < best.Value.Lane.LastUsed) best = (socketId, i, lane);
            }
        }
        if (best is null) return null;

        found:
        var (id, index, chosen) = best.Value;
        chosen.Holder = conversationId;
        chosen.LastUsed = ++_clock;
        return new LaneAssignment(id, index, chosen.CachedResponseId);
    }

    /// <summary>Frees a lane; <paramref name="lastResponseId"/> (when the holder completed one) is now what its cache holds.</summary>
    public void Release(long socketId, int laneIndex, string? lastResponseId)
    {
        var lane = Free(socketId, laneIndex);
        if (lane is not null && lastResponseId is not null) lane.CachedResponseId = lastResponseId;
    }

    /// <summary>Frees a lane whose holder vanished without saying what it left in the cache: nobody is warm on it.</summary>
    public void Abandon(long socketId, int laneIndex)
    {
        var lane = Free(socketId, laneIndex);
        if (lane is not null) lane.CachedResponseId = null;
    }

    private Lane? Free(long socketId, int laneIndex)
    {
        if (!_sockets.TryGetValue(socketId, out var lanes)) return null;
        var lane = lanes[laneIndex];
        lane.LastHolder = lane.Holder;
        lane.Holder = null;
        lane.LastUsed = ++_clock;
        return lane;
    }

    private sealed class Lane
    {
        public string? Holder;
        public string? LastHolder;
        public string? CachedResponseId;
        public long LastUsed;
    }
}

public sealed record LaneAssignment(long SocketId, int Lane, string? CachedResponseId);
