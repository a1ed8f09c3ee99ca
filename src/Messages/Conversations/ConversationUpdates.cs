namespace Orchestrator.Messages.Conversations;

/// <summary>What a subscriber sees of a conversation while it works: the same objects that <c>run --json</c> prints.</summary>
public abstract record ConversationUpdate(string ConversationId) : IWithConversationId;

public sealed record AssistantTextDelta(string ConversationId, string Delta) : ConversationUpdate(ConversationId);

public sealed record ToolCallStarted(string ConversationId, string CallId, string Name, string Arguments) : ConversationUpdate(ConversationId);

public sealed record ToolCallFinished(string ConversationId, string CallId, string Name, string Output, bool IsError, TimeSpan Duration)
    : ConversationUpdate(ConversationId);

/// <summary>
/// The model called a tool that the client runs: the turn waits until the client posts its result
/// (<see cref="SubmitToolResult"/>) or the wait times out.
/// </summary>
public sealed record ToolResultRequired(string ConversationId, string CallId, string Name, string Arguments) : ConversationUpdate(ConversationId);

/// <summary>A turn ended with an answer that called no tools; <see cref="MessageIds"/> are the user messages it answered.</summary>
public sealed record TurnCompleted(string ConversationId, IReadOnlyList<string> MessageIds, string ResponseId, string Text, TurnStats Stats)
    : ConversationUpdate(ConversationId);

/// <summary>A turn that cannot finish (the server rejected the request for good); its input stays in the window.</summary>
public sealed record TurnFailed(string ConversationId, IReadOnlyList<string> MessageIds, string Reason) : ConversationUpdate(ConversationId);

/// <summary>The conversation cannot start: its journal could not be read. Published on the node's event stream.</summary>
public sealed record ConversationUnavailable(string ConversationId, string Reason) : ConversationUpdate(ConversationId);
