namespace Orchestrator.Emulator;

/// <summary>Thread-safe running totals since the server started.</summary>
public sealed class EmulatorCounters
{
    private long _connections;
    private long _connectionsEnded;
    private long _requests;
    private long _continuations;
    private long _fullSends;
    private long _previousResponseNotFound;
    private long _errors;
    private long _faults;
    private long _refusedUpgrades;
    private long _streamLimits;
    private long _connectionLimits;
    private long _steers;
    private long _steersFailed;
    private long _compactions;
    private long _hangs;
    private long _parentsEvicted;
    private long _queued;
    private long _waiting;
    private long _queueLimits;
    private long _hanging;
    private long _httpRequests;
    private long _webSocketsRefused;

    /// <summary>WebSocket connections accepted.</summary>
    public long Connections => Volatile.Read(ref _connections);

    /// <summary>WebSocket connections whose session has ended: closed by either side, or broken.</summary>
    public long ConnectionsEnded => Volatile.Read(ref _connectionsEnded);

    /// <summary><c>response.create</c> events received, valid or not, HTTP requests that reach a session included.</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Responses generated from a found <c>previous_response_id</c>.</summary>
    public long Continuations => Volatile.Read(ref _continuations);

    /// <summary>Responses generated without <c>previous_response_id</c> (the client sent the whole context).</summary>
    public long FullSends => Volatile.Read(ref _fullSends);

    /// <summary>Requests refused with <c>previous_response_not_found</c>.</summary>
    public long PreviousResponseNotFound => Volatile.Read(ref _previousResponseNotFound);

    /// <summary>Error events sent, of any code (including <c>previous_response_not_found</c>).</summary>
    public long Errors => Volatile.Read(ref _errors);

    /// <summary>Requests that got an injected fault (error, failed response, malformed frame, drop, hang).</summary>
    public long FaultsInjected => Volatile.Read(ref _faults);

    /// <summary>Connection attempts refused with HTTP 429 by fault injection.</summary>
    public long UpgradesRefused => Volatile.Read(ref _refusedUpgrades);

    /// <summary>Requests refused with <c>websocket_stream_limit_reached</c> (a lane beyond the connection's 32).</summary>
    public long StreamLimitsReached => Volatile.Read(ref _streamLimits);

    /// <summary>Connections ended with <c>websocket_connection_limit_reached</c>.</summary>
    public long ConnectionLimitsReached => Volatile.Read(ref _connectionLimits);

    /// <summary><c>response.steer</c> submissions accepted.</summary>
    public long SteersAccepted => Volatile.Read(ref _steers);

    /// <summary><c>response.steer</c> submissions answered with <c>response.steer.failed</c>.</summary>
    public long SteersFailed => Volatile.Read(ref _steersFailed);

    /// <summary>Compactions done, over HTTP or by <c>context_management</c>.</summary>
    public long Compactions => Volatile.Read(ref _compactions);

    /// <summary>Responses hung by fault injection (<see cref="EmulatorFaults.HangOnRequests"/>, <see cref="EmulatorFaults.HangProbability"/>).</summary>
    public long HangsInjected => Volatile.Read(ref _hangs);

    /// <summary>Hung responses whose connection is still open (each is released when its connection ends).</summary>
    public long HangsOpen => Volatile.Read(ref _hanging);

    /// <summary>Cached parents evicted from a connection's cache because a continuation naming them got an error.</summary>
    public long ParentsEvicted => Volatile.Read(ref _parentsEvicted);

    /// <summary>Requests that waited for a running place because their connection already ran its 16 responses.</summary>
    public long ResponsesQueued => Volatile.Read(ref _queued);

    /// <summary>Requests refused with <c>websocket_queue_limit_reached</c> (<see cref="EmulatorOptions.MaxQueuedResponses"/>).</summary>
    public long QueueLimitsReached => Volatile.Read(ref _queueLimits);

    /// <summary>Requests waiting for a running place now, all connections together.</summary>
    public long ResponsesWaiting => Volatile.Read(ref _waiting);

    /// <summary><c>POST /v1/responses</c> requests received, valid or not.</summary>
    public long HttpRequests => Volatile.Read(ref _httpRequests);

    /// <summary>WebSocket upgrades refused (426, 404 or 405) because WebSockets are refused (<see cref="EmulatorOptions.RefuseWebSockets"/>).</summary>
    public long WebSocketsRefused => Volatile.Read(ref _webSocketsRefused);

    internal void ResponseQueued()
    {
        Interlocked.Increment(ref _queued);
        Interlocked.Increment(ref _waiting);
    }

    internal void ResponseDequeued() => Interlocked.Decrement(ref _waiting);
    internal void QueueLimitReached() => Interlocked.Increment(ref _queueLimits);
    internal void ParentEvicted() => Interlocked.Increment(ref _parentsEvicted);

    internal void HangStarted()
    {
        Interlocked.Increment(ref _hangs);
        Interlocked.Increment(ref _hanging);
    }

    internal void HangReleased() => Interlocked.Decrement(ref _hanging);
    internal void Compacted() => Interlocked.Increment(ref _compactions);
    internal void FaultInjected() => Interlocked.Increment(ref _faults);
    internal void UpgradeRefused() => Interlocked.Increment(ref _refusedUpgrades);
    internal void StreamLimitReached() => Interlocked.Increment(ref _streamLimits);
    internal void ConnectionLimitReached() => Interlocked.Increment(ref _connectionLimits);
    internal void SteerAccepted() => Interlocked.Increment(ref _steers);

    internal void SteerFailed() => Interlocked.Increment(ref _steersFailed);
    internal void ConnectionAccepted() => Interlocked.Increment(ref _connections);
    internal void ConnectionEnded() => Interlocked.Increment(ref _connectionsEnded);
    internal void RequestReceived() => Interlocked.Increment(ref _requests);
    internal void ContinuationServed() => Interlocked.Increment(ref _continuations);
    internal void FullSendServed() => Interlocked.Increment(ref _fullSends);
    internal void PreviousResponseMissing() => Interlocked.Increment(ref _previousResponseNotFound);
    internal void ErrorSent() => Interlocked.Increment(ref _errors);
    internal void HttpRequestReceived() => Interlocked.Increment(ref _httpRequests);
    internal void WebSocketRefused() => Interlocked.Increment(ref _webSocketsRefused);
}
