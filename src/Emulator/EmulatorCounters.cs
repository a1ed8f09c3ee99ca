namespace Orchestrator.Emulator;

/// <summary>Thread-safe running totals since the server started.</summary>
public sealed class EmulatorCounters
{
    private long connections;
    private long connectionsEnded;
    private long requests;
    private long continuations;
    private long fullSends;
    private long previousResponseNotFound;
    private long errors;
    private long faults;
    private long refusedUpgrades;
    private long streamLimits;
    private long connectionLimits;
    private long steers;
    private long compactions;
    private long hangs;
    private long parentsEvicted;
    private long queued;
    private long waiting;
    private long queueLimits;
    private long hanging;

    /// <summary>WebSocket connections accepted.</summary>
    public long Connections => Volatile.Read(ref connections);

    /// <summary>WebSocket connections whose session has ended: closed by either side, or broken.</summary>
    public long ConnectionsEnded => Volatile.Read(ref connectionsEnded);

    /// <summary><c>response.create</c> events received, valid or not.</summary>
    public long Requests => Volatile.Read(ref requests);

    /// <summary>Responses generated from a found <c>previous_response_id</c>.</summary>
    public long Continuations => Volatile.Read(ref continuations);

    /// <summary>Responses generated without <c>previous_response_id</c> (the client sent the whole context).</summary>
    public long FullSends => Volatile.Read(ref fullSends);

    /// <summary>Requests refused with <c>previous_response_not_found</c>.</summary>
    public long PreviousResponseNotFound => Volatile.Read(ref previousResponseNotFound);

    /// <summary>Error events sent, of any code (including <c>previous_response_not_found</c>).</summary>
    public long Errors => Volatile.Read(ref errors);

    /// <summary>Requests that got an injected fault (error, failed response, malformed frame, drop, hang).</summary>
    public long FaultsInjected => Volatile.Read(ref faults);

    /// <summary>Connection attempts refused with HTTP 429 by fault injection.</summary>
    public long UpgradesRefused => Volatile.Read(ref refusedUpgrades);

    /// <summary>Requests refused with <c>websocket_stream_limit_reached</c> (a lane beyond the connection's 32).</summary>
    public long StreamLimitsReached => Volatile.Read(ref streamLimits);

    /// <summary>Connections ended with <c>websocket_connection_limit_reached</c>.</summary>
    public long ConnectionLimitsReached => Volatile.Read(ref connectionLimits);

    /// <summary><c>response.steer</c> submissions accepted.</summary>
    public long SteersAccepted => Volatile.Read(ref steers);

    /// <summary>Compactions done, over HTTP or by <c>context_management</c>.</summary>
    public long Compactions => Volatile.Read(ref compactions);

    /// <summary>Responses hung by fault injection (<see cref="EmulatorFaults.HangOnRequests"/>, <see cref="EmulatorFaults.HangProbability"/>).</summary>
    public long HangsInjected => Volatile.Read(ref hangs);

    /// <summary>Hung responses whose connection is still open (each is released when its connection ends).</summary>
    public long HangsOpen => Volatile.Read(ref hanging);

    /// <summary>Cached parents evicted from a connection's cache because a continuation naming them got an error.</summary>
    public long ParentsEvicted => Volatile.Read(ref parentsEvicted);

    /// <summary>Requests that waited for a running place because their connection already ran its 16 responses.</summary>
    public long ResponsesQueued => Volatile.Read(ref queued);

    /// <summary>Requests refused with <c>websocket_queue_limit_reached</c> (<see cref="EmulatorOptions.MaxQueuedResponses"/>).</summary>
    public long QueueLimitsReached => Volatile.Read(ref queueLimits);

    /// <summary>Requests waiting for a running place now, all connections together.</summary>
    public long ResponsesWaiting => Volatile.Read(ref waiting);

    internal void ResponseQueued()
    {
        Interlocked.Increment(ref queued);
        Interlocked.Increment(ref waiting);
    }

    internal void ResponseDequeued() => Interlocked.Decrement(ref waiting);
    internal void QueueLimitReached() => Interlocked.Increment(ref queueLimits);
    internal void ParentEvicted() => Interlocked.Increment(ref parentsEvicted);

    internal void HangStarted()
    {
        Interlocked.Increment(ref hangs);
        Interlocked.Increment(ref hanging);
    }

    internal void HangReleased() => Interlocked.Decrement(ref hanging);
    internal void Compacted() => Interlocked.Increment(ref compactions);
    internal void FaultInjected() => Interlocked.Increment(ref faults);
    internal void UpgradeRefused() => Interlocked.Increment(ref refusedUpgrades);
    internal void StreamLimitReached() => Interlocked.Increment(ref streamLimits);
    internal void ConnectionLimitReached() => Interlocked.Increment(ref connectionLimits);
    internal void SteerAccepted() => Interlocked.Increment(ref steers);
    internal void ConnectionAccepted() => Interlocked.Increment(ref connections);
    internal void ConnectionEnded() => Interlocked.Increment(ref connectionsEnded);
    internal void RequestReceived() => Interlocked.Increment(ref requests);
    internal void ContinuationServed() => Interlocked.Increment(ref continuations);
    internal void FullSendServed() => Interlocked.Increment(ref fullSends);
    internal void PreviousResponseMissing() => Interlocked.Increment(ref previousResponseNotFound);
    internal void ErrorSent() => Interlocked.Increment(ref errors);
}
