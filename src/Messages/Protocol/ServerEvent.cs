namespace Orchestrator.Messages.Protocol;

/// <summary>An event streamed by the server. Types this client does not interpret arrive as <see cref="OtherServerEvent"/>.</summary>
public abstract record ServerEvent(string Type, long SequenceNumber)
{
    /// <summary>The lane (<c>stream_id</c>) the event belongs to; null on a connection's default lane.</summary>
    public string? StreamId { get; init; }
}

/// <summary><c>response.created</c>, <c>response.in_progress</c>, <c>response.completed</c>, <c>response.failed</c>, <c>response.incomplete</c>, <c>response.queued</c>.</summary>
public sealed record ResponseLifecycleEvent(string Type, long SequenceNumber, ResponseObject Response) : ServerEvent(Type, SequenceNumber)
{
    /// <summary>Completed, failed or incomplete: no further event of this response follows.</summary>
    public bool IsTerminal => Type is ServerEventTypes.ResponseCompleted or ServerEventTypes.ResponseFailed or ServerEventTypes.ResponseIncomplete;
}

public sealed record OutputItemEvent(string Type, long SequenceNumber, int OutputIndex, Item Item) : ServerEvent(Type, SequenceNumber);

public sealed record OutputTextDeltaEvent(long SequenceNumber, string ItemId, int OutputIndex, string Delta)
    : ServerEvent(ServerEventTypes.OutputTextDelta, SequenceNumber);

/// <summary>An <c>error</c> event, in either of its shapes (nested <c>error</c> object with <c>status</c>, or flat inside a stream).</summary>
public sealed record ServerErrorEvent(long SequenceNumber, ApiError Error) : ServerEvent(ServerEventTypes.Error, SequenceNumber);

/// <summary>
/// <c>response.steer.accepted</c>, <c>response.steer.failed</c> (with <see cref="ErrorCode"/>) or <c>response.steer.pending</c>
/// (with the call ids of its <c>required_input</c> stubs): the server's answer about one steering submission to
/// <see cref="PreviousResponseId"/>.
/// </summary>
public sealed record SteerEvent(string Type, long SequenceNumber, string? SteerId, string? PreviousResponseId, string? ErrorCode, string? ErrorMessage, IReadOnlyList<string> RequiredCallIds)
    : ServerEvent(Type, SequenceNumber);

/// <summary>Any event type this client does not interpret; tolerated, never an error.</summary>
public sealed record OtherServerEvent(string Type, long SequenceNumber) : ServerEvent(Type, SequenceNumber);

public static class ServerEventTypes
{
    public const string ResponseCreated = "response.created";
    public const string ResponseInProgress = "response.in_progress";
    public const string ResponseQueued = "response.queued";
    public const string ResponseCompleted = "response.completed";
    public const string ResponseFailed = "response.failed";
    public const string ResponseIncomplete = "response.incomplete";
    public const string OutputItemAdded = "response.output_item.added";
    public const string OutputItemDone = "response.output_item.done";
    public const string OutputTextDelta = "response.output_text.delta";
    public const string Error = "error";
    public const string SteerAccepted = "response.steer.accepted";
    public const string SteerFailed = "response.steer.failed";
    public const string SteerPending = "response.steer.pending";
}
