namespace Orchestrator.Hosting;

/// <summary>How a node hosts its conversations.</summary>
public enum RegionKind
{
    /// <summary>Akka.Cluster.Sharding on a cluster the node joins (itself when it has no seed nodes): what <c>serve</c> and an embedding application run.</summary>
    Sharded,

    /// <summary>
    /// A plain parent in a process that forms no cluster (<see cref="Orchestrator.Actors.Conversation.LocalConversationRegion"/>):
    /// for a one-shot command, which then neither joins nor leaves a cluster. It remembers no conversations, so open
    /// work of others in the journal waits for a sharded node or for their own next message.
    /// </summary>
    Local,
}
