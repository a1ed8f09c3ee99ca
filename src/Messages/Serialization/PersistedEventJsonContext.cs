using System.Text.Json.Serialization;
using Orchestrator.Messages.Events;

namespace Orchestrator.Messages.Serialization;

// Nulls are written, not omitted: a constructor parameter without a default is required on reading (a missing one
// means a corrupt event), and some of those are nullable (a snapshot's LastResponseId, a message key's Fingerprint).
// A parameter with a default, a field added after its record first shipped, reads as that default when absent.
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
[JsonSerializable(typeof(ClientToolCallsAwaited))]
[JsonSerializable(typeof(SteerApplied))]
[JsonSerializable(typeof(ConversationSnapshot))]
internal sealed partial class PersistedEventJsonContext : JsonSerializerContext;
