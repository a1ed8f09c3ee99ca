using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Http;

/// <summary>
/// Body of <c>POST /v1/conversations</c>, all optional: an id of the caller's choosing, the conversation's model and
/// instructions, function tools the caller runs (<c>client_tools</c>), tools the server runs (<c>hosted_tools</c>, sent
/// verbatim), <c>tool_choice</c> and <c>parallel_tool_calls</c> (sent verbatim), and how long a client call may wait
/// for its result (<c>client_tool_timeout_ms</c>; the node's orchestrator.conversation.client-tool-timeout otherwise);
/// <c>steering</c>: this conversation's choice over the node's <c>orchestrator.conversation.steering</c> (absent follows
/// it); <c>prompt_cache_options</c>: sent with each request of the conversation (<c>prewarm: true</c> makes its warm-up a prewarm).
/// </summary>
public sealed record CreateConversationRequest(
    string? Id,
    string? Model,
    string? Instructions,
    IReadOnlyList<ClientToolRequest>? ClientTools = null,
    IReadOnlyList<JsonElement>? HostedTools = null,
    JsonElement? ToolChoice = null,
    bool? ParallelToolCalls = null,
    long? ClientToolTimeoutMs = null,
    bool? Steering = null,
    Orchestrator.Messages.Protocol.PromptCacheOptions? PromptCacheOptions = null);

/// <summary>A function tool the caller runs: <c>parameters</c> is its JSON schema.</summary>
public sealed record ClientToolRequest(string? Name, string? Description, JsonElement? Parameters);

/// <summary>Body of <c>POST /v1/conversations/{id}/tool-results</c>: the call's <c>output</c> (a string, or any JSON, sent as its text), or an <c>error</c>.</summary>
public sealed record ToolResultRequest(string? CallId, JsonElement? Output, string? Error);

public sealed record ToolResultResponse(string ConversationId, string CallId, bool Duplicate);

/// <summary>A call the client runs whose result the conversation waits for (offered as tool.required at <c>since</c>).</summary>
public sealed record WaitingToolCallJson(string CallId, string Name, string Arguments, DateTimeOffset Since);

public sealed record CreateConversationResponse(string Id);

/// <summary>Body of <c>POST /v1/conversations/{id}/messages</c>: <c>text</c>, or <c>input</c> as Responses API user message items.</summary>
public sealed record PostMessageRequest(string? Text, JsonElement[]? Input);

/// <summary><c>delivery</c>: <c>turn</c> (opens one), <c>queued</c> (runs in the next turn) or <c>steering</c> (sent into the streaming response; should the server refuse it, it runs in the next turn).</summary>
public sealed record PostMessageResponse(string ConversationId, string MessageId, bool Duplicate, string? Delivery = null);

public sealed record CancelTurnResponse(string ConversationId, bool Cancelled);

/// <summary>State and transcript of a conversation; <c>transcript</c> holds the Responses API items since the last compaction.</summary>
public sealed record ConversationResponse(
    string ConversationId,
    string Phase,
    string? Model,
    string? Instructions,
    string? LastResponseId,
    int WindowItems,
    int OpenToolCalls,
    int QueuedMessages,
    string? LastAnswer,
    IReadOnlyList<JsonElement> Transcript,
    IReadOnlyList<WaitingToolCallJson>? WaitingToolCalls = null);

public sealed record HealthResponse(string Status, IReadOnlyList<string>? Problems = null);

/// <summary>Data of the <c>stream.reset</c> event: the client cannot resume from its Last-Event-ID and should read the conversation.</summary>
public sealed record StreamResetLine(string ConversationId, string Reason)
{
    [JsonPropertyOrder(-1)] public string Type => EventReplayBuffer.ResetEvent;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateConversationRequest))]
[JsonSerializable(typeof(CreateConversationResponse))]
[JsonSerializable(typeof(PostMessageRequest))]
[JsonSerializable(typeof(PostMessageResponse))]
[JsonSerializable(typeof(CancelTurnResponse))]
[JsonSerializable(typeof(ConversationResponse))]
[JsonSerializable(typeof(ToolResultRequest))]
[JsonSerializable(typeof(ToolResultResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(StreamResetLine))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
