namespace Orchestrator.Hosting;

/// <summary>Akka.Hosting registry key of the "conversation" shard region.</summary>
public sealed class ConversationRegion;

/// <summary>Akka.Hosting registry key of this node's connection manager.</summary>
public sealed class ConnectionManagerActor;
