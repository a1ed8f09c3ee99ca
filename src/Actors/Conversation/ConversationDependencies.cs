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
    /// <summary>The registry's tools, kept current as sources add or withdraw theirs.</summary>
    public static IReadOnlyList<FunctionTool> Declare(ToolRegistry registry) => new ToolDeclarations(registry);
}
