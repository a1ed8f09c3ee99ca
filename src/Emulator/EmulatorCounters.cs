namespace Orchestrator.Emulator;

/// <summary>Thread-safe running totals since the server started.</summary>
public sealed class EmulatorCounters
{
    private long connections;
    private long requests;
    private long continuations;
    private long fullSends;
    private long previousResponseNotFound;
    private long errors;

    /// <summary>WebSocket connections accepted.</summary>
    public long Connections => Volatile.Read(ref connections);

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

    internal void ConnectionAccepted() => Interlocked.Increment(ref connections);
    internal void RequestReceived() => Interlocked.Increment(ref requests);
    internal void ContinuationServed() => Interlocked.Increment(ref continuations);
    internal void FullSendServed() => Interlocked.Increment(ref fullSends);
    internal void PreviousResponseMissing() => Interlocked.Increment(ref previousResponseNotFound);
    internal void ErrorSent() => Interlocked.Increment(ref errors);
}
