namespace Orchestrator.Emulator;

/// <summary>
/// The process-wide store of <c>store=true</c> responses, continuable from any connection;
/// bounded, evicting the least recently used.
/// </summary>
internal sealed class ResponseStore(int capacity)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, LinkedListNode<CachedResponse>> byId = new(StringComparer.Ordinal);
    private readonly LinkedList<CachedResponse> recency = new();

    public void Add(CachedResponse response)
    {
        lock (gate)
        {
            if (byId.Remove(response.Id, out LinkedListNode<CachedResponse>? existing))
            {
                recency.Remove(existing);
            }

            byId[response.Id] = recency.AddFirst(response);
            while (byId.Count > capacity && recency.Last is { } oldest)
            {
                recency.RemoveLast();
                byId.Remove(oldest.Value.Id);
            }
        }
    }

    public CachedResponse? Find(string id)
    {
        lock (gate)
        {
            if (!byId.TryGetValue(id, out LinkedListNode<CachedResponse>? node))
            {
                return null;
            }

            recency.Remove(node);
            recency.AddFirst(node);
            return node.Value;
        }
    }
}
