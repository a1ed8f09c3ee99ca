namespace Orchestrator.Messages.Conversations;

/// <summary>Every message addressed to a conversation carries its id; the shard region routes by it.</summary>
public interface IWithConversationId
{
    string ConversationId { get; }
}
