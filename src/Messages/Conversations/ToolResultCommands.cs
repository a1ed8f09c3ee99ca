namespace Orchestrator.Messages.Conversations;

/// <summary>
/// The result of a call that the client runs: <see cref="Output"/> for the model, or <see cref="Error"/> (the call failed;
/// the model gets an error output). Replies <see cref="ToolResultAccepted"/> (a repeat with the same content too) or
/// <see cref="ToolResultRejected"/>.
/// </summary>
public sealed record SubmitToolResult(string ConversationId, string CallId, string? Output, string? Error = null) : IWithConversationId;

/// <param name="Duplicate">True when this very result was recorded already: nothing changed.</param>
public sealed record ToolResultAccepted(string ConversationId, string CallId, bool Duplicate) : IWithConversationId;

/// <summary>A result that is not recorded; <see cref="Code"/> is one of <see cref="ToolResultRejectionCodes"/>.</summary>
public sealed record ToolResultRejected(string ConversationId, string CallId, string Code, string Reason) : IWithConversationId;

public static class ToolResultRejectionCodes
{
    /// <summary>No call of the conversation has this id.</summary>
    public const string UnknownCall = "unknown_call";

    /// <summary>The call has another result already (the client's, or an error for a timeout or a cancelled turn).</summary>
    public const string AlreadyAnswered = "already_answered";

    /// <summary>The call is run by the node, not by the client.</summary>
    public const string NotClientCall = "not_client_call";

    /// <summary>The conversation is recovering or stopping this moment; post again.</summary>
    public const string NotWaiting = "not_waiting";

    /// <summary>Neither an output nor an error, or both.</summary>
    public const string Invalid = "invalid";
}

/// <summary>A call the client runs whose result the conversation waits for, offered (tool.required) at <see cref="Since"/>.</summary>
public sealed record WaitingToolCall(string CallId, string Name, string Arguments, DateTimeOffset Since);
