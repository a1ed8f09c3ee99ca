using Akka.Actor;
using Orchestrator.Actors.Tools;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>What every conversation on a node shares: the node's connection manager, its tools and options.</summary>
public sealed record ConversationDependencies(
    IActorRef ConnectionManager,
    ToolInvoker Tools,
    IReadOnlyList<FunctionTool> ToolDeclarations,
    ConversationOptions Options,
    ICompactor? Compactor = null)
{
    /// <summary>Made with the dependencies, which a node makes once: every conversation of the node shares it.</summary>
    public SteeringSupport Steering { get; init; } = new();

    /// <summary>The registry's tools, kept current as sources add or withdraw theirs.</summary>
    public static IReadOnlyList<FunctionTool> Declare(ToolRegistry registry) => new ToolDeclarations(registry);
}
