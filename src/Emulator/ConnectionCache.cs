namespace Orchestrator.Emulator;

/// <summary>
/// The connection-local cache: each lane's latest response, continuable from any lane of the connection. A lane's
/// new response replaces its previous one; an error answering a continuation evicts the parent it named. Bounded by
/// the connection's lanes: at most <see cref="ConnectionSession.MaxLanes"/> + 1 entries (the named lanes and the default one).
/// The connection's end drops the whole cache with the session.
/// </summary>
internal sealed class ConnectionCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CachedResponse> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<Lane, CachedResponse> _latest = [];

    public CachedResponse? Find(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    public bool Contains(string id) => Find(id) is not null;

    /// <summary>Makes <paramref name="response"/> the lane's latest; the lane's previous latest is no longer cached.</summary>
    public void Remember(Lane lane, CachedResponse response)
    {
        lock (_gate)
        {
            if (_latest.TryGetValue(lane, out CachedResponse? replaced))
            {
                _byId.Remove(replaced.Id);
            }

            _latest[lane] = response;
            _byId[response.Id] = response;
        }
    }

    /// <summary>Drops the response from the cache, whichever lane holds it; false when it was not cached.</summary>
    public bool Evict(string id)
    {
        lock (_gate)
        {
            if (!_byId.Remove(id, out CachedResponse? evicted))
            {
                return false;
            }

            foreach ((Lane lane, CachedResponse response) in _latest)
            {
                if (ReferenceEquals(response, evicted))
                {
                    _latest.Remove(lane);
                    break;
                }
            }

            return true;
        }
    }
}
