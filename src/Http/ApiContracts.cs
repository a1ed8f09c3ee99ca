using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Http;

/// <summary>Body of <c>POST /v1/conversations</c>, all optional: an id of the caller's choosing, and the conversation's model and instructions.</summary>
/// <summary>
/// <c>steering</c>: this conversation's choice over the node's <c>orchestrator.conversation.steering</c>; absent follows
/// it. <c>prompt_cache_options</c>: sent with each request of the conversation; <c>prewarm: true</c> makes its warm-up a prewarm.
/// </summary>
public sealed record CreateConversationRequest(string? Id, string? Model, string? Instructions, bool? Steering = null, Orchestrator.Messages.Protocol.PromptCacheOptions? PromptCacheOptions = null);

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
    IReadOnlyList<JsonElement> Transcript);

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
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(StreamResetLine))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
