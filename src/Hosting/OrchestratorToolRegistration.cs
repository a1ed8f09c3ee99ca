using Orchestrator.Actors.Tools;

namespace Orchestrator.Hosting;

/// <summary>A tool registered in DI, added to the node's <see cref="ToolRegistry"/> when the node starts (the DI container exists by then).</summary>
public sealed class OrchestratorToolRegistration(Action<ToolRegistry, IServiceProvider> register)
{
    internal void Register(ToolRegistry registry, IServiceProvider services) => register(registry, services);
}
