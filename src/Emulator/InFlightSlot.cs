namespace Orchestrator.Emulator;

/// <summary>
/// An admitted request's place among the connection's in-flight requests. It is released once,
/// just before the request's terminal event (completed, incomplete, failed or error) is sent: a
/// client that answers that event with a new request at once must find the place free, as it would
/// on the real server.
/// </summary>
internal sealed class InFlightSlot(Action release)
{
    private int released;

    public void Release()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            release();
        }
    }
}
