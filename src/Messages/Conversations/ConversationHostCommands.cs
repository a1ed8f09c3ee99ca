using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Messages.Conversations;

/// <summary>
/// Creates a conversation with its own model and instructions (null: the node's defaults). Replies
/// <see cref="ConversationCreated"/>; a conversation that exists already keeps its settings. <see cref="Tools"/> (client,
/// hosted, tool choice) that the node cannot take are refused with <see cref="ConversationRejected"/>.
/// <see cref="Steering"/> overrides the node's <c>orchestrator.conversation.steering</c> for this conversation; null
/// follows it. <see cref="PromptCache"/> is sent as <c>prompt_cache_options</c> with each request.
/// </summary>
public sealed record CreateConversation(string ConversationId, string? Model = null, string? Instructions = null, ConversationToolSettings? Tools = null, bool? Steering = null, PromptCacheOptions? PromptCache = null) : IWithConversationId;

/// <summary>The reply to a <see cref="CreateConversation"/> whose settings the node refuses; nothing is persisted.</summary>
public sealed record ConversationRejected(string ConversationId, string Reason) : IWithConversationId;

public sealed record ConversationCreated(string ConversationId, bool AlreadyExisted) : IWithConversationId;

/// <summary>Replies <see cref="ConversationTranscript"/>: the conversation's settings, status and window.</summary>
public sealed record GetConversationTranscript(string ConversationId) : IWithConversationId;

/// <summary>
/// What a conversation holds. <see cref="Exists"/> is false when its journal has no events (nothing was ever
/// created or sent); <see cref="Window"/> is the transcript since the last compaction, as sent to the model.
/// </summary>
public sealed record ConversationTranscript(
    string ConversationId,
    bool Exists,
    string? Model,
    string? Instructions,
    ConversationStatus Status,
    IReadOnlyList<Item> Window) : IWithConversationId;

/// <summary>
/// Ends the open turn as failed ("cancelled"): running tools are stopped and answered with an error output, a
/// response in flight is waited for and discarded. Messages queued behind the turn still run. Replies <see cref="TurnCancelReply"/>.
/// </summary>
public sealed record CancelTurn(string ConversationId) : IWithConversationId;

/// <param name="Cancelled">False when no turn was open.</param>
public sealed record TurnCancelReply(string ConversationId, bool Cancelled) : IWithConversationId;

/// <summary>Deletes the conversation's journal and snapshots and stops it; replies <see cref="ConversationDeleted"/>.</summary>
public sealed record DeleteConversation(string ConversationId) : IWithConversationId;

/// <param name="Existed">False when there was nothing to delete.</param>
public sealed record ConversationDeleted(string ConversationId, bool Existed) : IWithConversationId;
