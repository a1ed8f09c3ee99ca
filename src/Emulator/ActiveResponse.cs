namespace Orchestrator.Emulator;

/// <summary>A response still streaming, as <c>response.steer</c> sees it: steering input queues here until it ends.</summary>
internal sealed class ActiveResponse(ResponseState state, Lane lane)
{
    private readonly Lock _gate = new();
    private readonly List<(string Id, ContextItem[] Items)> _steers = [];
    private bool _ended;

    public ResponseState State { get; } = state;

    public Lane Lane { get; } = lane;

    /// <summary>Queues steering input; false when the response already ended.</summary>
    public bool TryQueue(string steerId, ContextItem[] items)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }

            _steers.Add((steerId, items));
            return true;
        }
    }

    /// <summary>Ends steering for this response and returns what was queued, in submission order.</summary>
    public List<(string Id, ContextItem[] Items)> End()
    {
        lock (_gate)
        {
            _ended = true;
            return [.. _steers];
        }
    }
}
