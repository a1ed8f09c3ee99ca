using System.Text.Json.Serialization;

namespace Orchestrator.Host.Api;

public sealed record CreateConversationRequest(string? Id);

public sealed record CreateConversationResponse(string Id);

public sealed record PostMessageRequest(string? Text);

public sealed record PostMessageResponse(string ConversationId, string MessageId, bool Duplicate);

public sealed record ConversationStatusResponse(
    string ConversationId,
    string Phase,
    string? LastResponseId,
    int WindowItems,
    int OpenToolCalls,
    int QueuedMessages,
    string? LastAnswer);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateConversationRequest))]
[JsonSerializable(typeof(CreateConversationResponse))]
[JsonSerializable(typeof(PostMessageRequest))]
[JsonSerializable(typeof(PostMessageResponse))]
[JsonSerializable(typeof(ConversationStatusResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
