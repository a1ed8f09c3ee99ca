namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Group commit: one journal write in flight at a time; what arrives meanwhile waits and goes in the next write, as
/// soon as the one in flight completes. Each item is still written as soon as the journal can take it (DESIGN §3),
/// but N items that arrive together cost two writes instead of N.
/// </summary>
public sealed class GroupCommit<T>
{
    private IReadOnlyList<T> _inFlight = [];
    private List<T> _waiting = [];

    /// <summary>A write is in flight: what is offered now waits for it.</summary>
    public bool Writing => _inFlight.Count > 0;

    /// <summary>Everything offered and not yet written: the write in flight, then what waits behind it.</summary>
    public IEnumerable<T> Pending => _inFlight.Concat(_waiting);

    /// <summary>Returns the batch to write now (this item alone), or an empty one when the item must wait.</summary>
    public IReadOnlyList<T> Offer(T item)
    {
        if (Writing)
        {
            _waiting.Add(item);
            return [];
        }
        _inFlight = [item];
        return _inFlight;
    }

    /// <summary>The write in flight completed: returns the next batch (everything that waited), or an empty one.</summary>
    public IReadOnlyList<T> Written()
    {
        _inFlight = _waiting;
        _waiting = [];
        return _inFlight;
    }
}
