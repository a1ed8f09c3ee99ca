using System.Text.Json.Serialization;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Messages.Serialization;

// The messages that cross nodes of a cluster (commands to the shard region, their replies, updates to subscribers),
// except the two that carry an actor reference, which ConversationMessageSerializer writes itself.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SendMessage))]
[JsonSerializable(typeof(MessageAccepted))]
[JsonSerializable(typeof(MessageRejected))]
[JsonSerializable(typeof(WakeUp))]
[JsonSerializable(typeof(GetConversationStatus))]
[JsonSerializable(typeof(ConversationStatus))]
[JsonSerializable(typeof(CreateConversation))]
[JsonSerializable(typeof(ConversationCreated))]
[JsonSerializable(typeof(GetConversationTranscript))]
[JsonSerializable(typeof(ConversationTranscript))]
[JsonSerializable(typeof(CancelTurn))]
[JsonSerializable(typeof(TurnCancelReply))]
[JsonSerializable(typeof(DeleteConversation))]
[JsonSerializable(typeof(ConversationDeleted))]
[JsonSerializable(typeof(AssistantTextDelta))]
[JsonSerializable(typeof(ToolCallStarted))]
[JsonSerializable(typeof(ToolCallFinished))]
[JsonSerializable(typeof(TurnCompleted))]
[JsonSerializable(typeof(TurnFailed))]
[JsonSerializable(typeof(ConversationUnavailable))]
[JsonSerializable(typeof(MessageIdReused))]
[JsonSerializable(typeof(ConversationRejected))]
[JsonSerializable(typeof(SubmitToolResult))]
[JsonSerializable(typeof(ToolResultAccepted))]
[JsonSerializable(typeof(ToolResultRejected))]
[JsonSerializable(typeof(ToolResultRequired))]
internal sealed partial class ConversationMessageJsonContext : JsonSerializerContext;
