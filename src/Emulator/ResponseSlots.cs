namespace Orchestrator.Emulator;

/// <summary>
/// The places for running responses on one connection: at most <c>capacity</c> run at once, as on the real server;
/// further requests wait, and a freed place goes to the longest-waiting request (FIFO, no overtaking). A waiter
/// cancelled by the connection's end is skipped.
/// </summary>
internal sealed class ResponseSlots(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<TaskCompletionSource> _waiting = new();
    private int _free = capacity;

    /// <summary>Takes a free place at once, when one is free and nobody waits for it.</summary>
    public bool TryTake()
    {
        lock (_gate)
        {
            return TakeFree();
        }
    }

    /// <summary>Takes a place, waiting behind earlier waiters when none is free.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (TakeFree())
            {
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter);
        }

        await using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), waiter))
        {
            await waiter.Task;
        }
    }

    /// <summary>Under the lock: a free place nobody waits for.</summary>
    private bool TakeFree()
    {
        if (_free == 0 || _waiting.Count > 0)
        {
            return false;
        }

        _free--;
        return true;
    }

    /// <summary>Frees a place: it goes straight to the first live waiter, if any.</summary>
    public void Release()
    {
        lock (_gate)
        {
            while (_waiting.TryDequeue(out TaskCompletionSource? next))
            {
                if (next.TrySetResult())
                {
                    return;
                }
            }

            _free++;
        }
    }
}
