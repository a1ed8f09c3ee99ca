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
    public static IReadOnlyList<FunctionTool> Declare(ToolRegistry registry) =>
        registry.Definitions.Select(d => new FunctionTool(d.Name, d.Description, d.Parameters)).ToList();
}
