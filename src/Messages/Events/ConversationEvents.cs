using System.Text.Json;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Messages.Events;

// The journal of a conversation. These records are a storage contract: never change a field's meaning;
// add a new version (and a manifest for it) instead. Manifests live in PersistedEventSerializer.
// A field added after its record first shipped gets a default (null), so that events written before it read back;
// the serializer writes nulls and requires every parameter without a default (PersistedEventJsonContext).

/// <summary>The settings a conversation was created with; later configuration changes do not alter them.</summary>
public sealed record ConversationStarted(ConversationSettings Settings) : IPersistedEvent;

/// <summary>
/// <see cref="Tools"/>: the conversation's own tools beyond the node's (null: none).
/// <see cref="Steering"/>: this conversation's choice over the node's <c>orchestrator.conversation.steering</c>; null
/// follows the node. <see cref="PromptCache"/>: sent as <c>prompt_cache_options</c> with each request (and its
/// <c>prewarm</c> used by the warm-up); null sends none.
/// </summary>
public sealed record ConversationSettings(string Model, string? Instructions = null, bool Store = false, ConversationToolSettings? Tools = null, bool? Steering = null, PromptCacheOptions? PromptCache = null);

/// <summary>
/// The tools of one conversation beyond the node's: function tools its client runs (<see cref="ClientTools"/>), hosted
/// tools the server runs (<see cref="HostedTools"/>, sent verbatim), and <c>tool_choice</c> / <c>parallel_tool_calls</c>
/// (sent verbatim when set). <see cref="ClientToolTimeout"/> overrides the node's wait for a client's result.
/// </summary>
public sealed record ConversationToolSettings(
    IReadOnlyList<ClientTool>? ClientTools = null,
    IReadOnlyList<JsonElement>? HostedTools = null,
    JsonElement? ToolChoice = null,
    bool? ParallelToolCalls = null,
    TimeSpan? ClientToolTimeout = null);

/// <summary>A function tool that the conversation's client runs; <see cref="Parameters"/> is its JSON schema.</summary>
public sealed record ClientTool(string Name, string? Description, JsonElement Parameters);

/// <summary>
/// A user message, persisted before it is acknowledged. <see cref="AcceptedAt"/> (the node's clock at acceptance) dates
/// its id as an idempotency key, which expires a window after it; null in events written before it was recorded.
/// </summary>
public sealed record UserMessageAccepted(string MessageId, Item Message, DateTimeOffset? AcceptedAt = null) : IPersistedEvent;

/// <summary>
/// A completed response: its id and output items, persisted before its tool calls are dispatched.
/// <see cref="SentInFull"/> says whether its request carried the whole window (true) or continued the chain (false);
/// a full send while an earlier response exists is a chain reset. Null in events written before it was recorded.
/// </summary>
public sealed record ResponseRecorded(string ResponseId, IReadOnlyList<Item> Output, Usage? Usage = null, bool? SentInFull = null) : IPersistedEvent;

/// <summary>The result of one tool call (the function_call_output item); a call with a recorded result never runs again.</summary>
public sealed record ToolResultRecorded(string CallId, Item Output, bool IsError) : IPersistedEvent;

/// <summary>
/// The calls of the last response that the client runs (<see cref="ConversationToolSettings.ClientTools"/>) wait for their
/// results since <see cref="Since"/>: written once, before tool.required is published, so a recovered conversation
/// knows they were offered and waits for them again instead of offering them as new.
/// </summary>
public sealed record ClientToolCallsAwaited(IReadOnlyList<string> CallIds, DateTimeOffset Since) : IPersistedEvent;

/// <summary>The window was compacted: <see cref="Window"/> replaces it and starts a new chain.</summary>
public sealed record WindowCompacted(IReadOnlyList<Item> Window, long InputTokensBefore) : IPersistedEvent;

/// <summary>The server rejected the turn for good; the turn ends, its input stays in the window.</summary>
public sealed record TurnAbandoned(string Reason) : IPersistedEvent;

/// <summary>
/// The server refused the turn's request as too large even after compacting (or compaction could not help): the turn
/// ends, and its input leaves the window for a short placeholder, so that the next request fits. The conversation's
/// state decides which items go (ConversationState); the next request starts a new chain.
/// </summary>
public sealed record TurnInputDropped(string Reason) : IPersistedEvent;

/// <summary>
/// Steering took effect: the server started <see cref="SuccessorResponseId"/> with the queued messages
/// <see cref="MessageIds"/> as its new input (its <c>response.created</c> is the commit point), so they leave the queue
/// for the window, in the open turn. <see cref="Parent"/> is the steered response when it ended just before and its
/// successor came by itself (recorded here, not by a ResponseRecorded of its own, so that its end does not also open
/// a turn with those messages); null when the successor is the explicit continuation after tool output.
/// </summary>
public sealed record SteerApplied(IReadOnlyList<string> MessageIds, string SuccessorResponseId, ResponseRecorded? Parent = null) : IPersistedEvent;
