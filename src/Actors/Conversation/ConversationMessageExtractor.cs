using Akka.Cluster.Sharding;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Actors.Conversation;

/// <summary>Routes every <see cref="IWithConversationId"/> message to its conversation's shard and entity.</summary>
public sealed class ConversationMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string EntityId(object message) => (message as IWithConversationId)?.ConversationId!;
}
