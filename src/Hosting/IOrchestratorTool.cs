using Orchestrator.Actors.Tools;

namespace Orchestrator.Hosting;

/// <summary>
/// A tool as a DI service: one instance per call, resolved in a scope of its own, so it may depend on scoped
/// services. Its JSON schema is generated from <typeparamref name="TArgs"/>; the model's arguments are validated
/// against it before <see cref="RunAsync"/> is called. Register it with <c>services.AddOrchestratorTool</c>.
/// </summary>
public interface IOrchestratorTool<in TArgs, TResult>
{
    /// <param name="context">The call id is stable across recovery: a tool with side effects can use it as its idempotency key.</param>
    Task<TResult> RunAsync(TArgs args, ToolContext context, CancellationToken cancellationToken);
}
