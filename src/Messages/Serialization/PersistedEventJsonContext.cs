using System.Text.Json.Serialization;
using Orchestrator.Messages.Events;

namespace Orchestrator.Messages.Serialization;

// Nulls are written, not omitted: every constructor parameter is required on reading (a missing one means a
// corrupt event), so an omitted null (a response without usage, settings without instructions) could never be read back.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ConversationStarted))]
[JsonSerializable(typeof(UserMessageAccepted))]
[JsonSerializable(typeof(ResponseRecorded))]
[JsonSerializable(typeof(ToolResultRecorded))]
[JsonSerializable(typeof(TurnAbandoned))]
[JsonSerializable(typeof(WindowCompacted))]
[JsonSerializable(typeof(TurnInputDropped))]
[JsonSerializable(typeof(ConversationSnapshot))]
internal sealed partial class PersistedEventJsonContext : JsonSerializerContext;
