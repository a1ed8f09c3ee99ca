namespace Orchestrator.Emulator;

/// <summary>
/// An admitted request's place on its connection: counted from admission, running once it holds one of the
/// <see cref="ResponseSlots"/>. It is released once, just before the request's terminal event (completed, incomplete,
/// failed or error) is sent, or when the request ends without one: a client that answers that event with a new
/// request at once must find the place free, as it would on the real server.
/// </summary>
internal sealed class InFlightSlot(ResponseSlots slots, Action ended)
{
    private bool _running;
    private int _released;

    /// <summary>Takes a running place, waiting for one (FIFO) when the connection runs as many as it may.</summary>
    /// <param name="queued">Called when the request has to wait, before it waits.</param>
    /// <param name="dequeued">Called when a request that waited stops waiting (it got a place, or the connection ended).</param>
    public async Task AcquireAsync(Action queued, Action dequeued, CancellationToken cancellationToken)
    {
        if (!slots.TryTake())
        {
            queued();
            try
            {
                await slots.WaitAsync(cancellationToken);
            }
            finally
            {
                dequeued();
            }
        }

        Volatile.Write(ref _running, true);
    }

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _running))
        {
            slots.Release();
        }

        ended();
    }
}
