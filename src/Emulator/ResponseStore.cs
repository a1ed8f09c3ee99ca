namespace Orchestrator.Emulator;

/// <summary>
/// The process-wide store of <c>store=true</c> responses, continuable from any connection;
/// bounded, evicting the least recently used.
/// </summary>
internal sealed class ResponseStore(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<CachedResponse>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<CachedResponse> _recency = new();

    public void Add(CachedResponse response)
    {
        lock (_gate)
        {
            if (_byId.Remove(response.Id, out LinkedListNode<CachedResponse>? existing))
            {
                _recency.Remove(existing);
            }

            _byId[response.Id] = _recency.AddFirst(response);
            while (_byId.Count > capacity && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _byId.Remove(oldest.Value.Id);
            }
        }
    }

    public CachedResponse? Find(string id)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out LinkedListNode<CachedResponse>? node))
            {
                return null;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value;
        }
    }
}
