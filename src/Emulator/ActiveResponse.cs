namespace Orchestrator.Emulator;

/// <summary>
/// A response still streaming, as <c>response.steer</c> sees it: steering input queues here until it ends. Each
/// accepted submission is announced (<c>response.steer.accepted</c>) before the response's successor starts, as the
/// real server answers every submission before its commit point.
/// </summary>
internal sealed class ActiveResponse(ResponseState state, Lane lane)
{
    /// <summary>Steering submissions one response holds at most; one more fails with <c>too_many_pending_steers</c>.</summary>
    public const int MaxSteers = 8;

    private readonly Lock _gate = new();
    private readonly List<(string Id, ContextItem[] Items)> _steers = [];
    private TaskCompletionSource? _announced;
    private int _unannounced;
    private bool _ended;

    public ResponseState State { get; } = state;

    public Lane Lane { get; } = lane;

    /// <summary>Whether steering input waits: the response may end at its next safe output boundary.</summary>
    public bool HasSteers
    {
        get
        {
            lock (_gate)
            {
                return _steers.Count > 0;
            }
        }
    }

    /// <summary>Queues steering input, to be announced with <see cref="Announced"/>; why not when it cannot be.</summary>
    public SteerAdmission TryQueue(string steerId, ContextItem[] items)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return SteerAdmission.Ended;
            }

            if (_steers.Count >= MaxSteers)
            {
                return SteerAdmission.TooMany;
            }

            _steers.Add((steerId, items));
            _unannounced++;
            return SteerAdmission.Queued;
        }
    }

    /// <summary>The acceptance of one queued submission has been sent.</summary>
    public void Announced()
    {
        TaskCompletionSource? done = null;
        lock (_gate)
        {
            if (--_unannounced == 0)
            {
                done = _announced;
            }
        }

        done?.TrySetResult();
    }

    /// <summary>Ends steering for this response and returns what was queued, in submission order, once all of it is announced.</summary>
    public async Task<List<(string Id, ContextItem[] Items)>> EndAsync()
    {
        Task wait;
        lock (_gate)
        {
            _ended = true;
            if (_unannounced == 0)
            {
                return [.. _steers];
            }

            _announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _announced.Task;
        }

        await wait;
        lock (_gate)
        {
            return [.. _steers];
        }
    }
}

internal enum SteerAdmission
{
    Queued,
    Ended,
    TooMany,
}
