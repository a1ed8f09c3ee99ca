namespace Orchestrator.Emulator;

/// <summary>A response still streaming, as <c>response.steer</c> sees it: steering input queues here until it ends.</summary>
internal sealed class ActiveResponse(ResponseState state, Lane lane)
{
    private readonly Lock gate = new();
    private readonly List<(string Id, ContextItem[] Items)> steers = [];
    private bool ended;

    public ResponseState State { get; } = state;

    public Lane Lane { get; } = lane;

    /// <summary>Queues steering input; false when the response already ended.</summary>
    public bool TryQueue(string steerId, ContextItem[] items)
    {
        lock (gate)
        {
            if (ended)
            {
                return false;
            }

            steers.Add((steerId, items));
            return true;
        }
    }

    /// <summary>Ends steering for this response and returns what was queued, in submission order.</summary>
    public List<(string Id, ContextItem[] Items)> End()
    {
        lock (gate)
        {
            ended = true;
            return [.. steers];
        }
    }
}
