namespace Orchestrator.Emulator;

/// <summary>
/// A completed response that can be continued from. Its context is its parent's context plus
/// <see cref="Items"/> (this request's input items, then its output items); chains share their
/// prefix through <see cref="Parent"/> so a continuation costs only its new items.
/// </summary>
internal sealed class CachedResponse(string id, CachedResponse? parent, ContextItem[] items)
{
    public string Id { get; } = id;

    public CachedResponse? Parent { get; } = parent;

    public ContextItem[] Items { get; } = items;

    /// <summary>UTF-8 size of the whole context (the chain up to and including this response).</summary>
    public long ContextBytes { get; } = (parent?.ContextBytes ?? 0) + SumBytes(items);

    private static long SumBytes(ContextItem[] items)
    {
        long sum = 0;
        foreach (ContextItem item in items)
        {
            sum += item.Bytes;
        }

        return sum;
    }
}
