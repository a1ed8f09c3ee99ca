using System.Text.Json.Serialization;
using Orchestrator.Messages.Events;

namespace Orchestrator.Messages.Serialization;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ConversationStarted))]
[JsonSerializable(typeof(UserMessageAccepted))]
[JsonSerializable(typeof(ResponseRecorded))]
[JsonSerializable(typeof(ToolResultRecorded))]
[JsonSerializable(typeof(TurnAbandoned))]
[JsonSerializable(typeof(WindowCompacted))]
[JsonSerializable(typeof(ConversationSnapshot))]
internal sealed partial class PersistedEventJsonContext : JsonSerializerContext;
