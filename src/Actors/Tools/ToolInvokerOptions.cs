namespace Orchestrator.Actors.Tools;

/// <summary>Limits applied by a <see cref="ToolInvoker"/>.</summary>
public sealed record ToolInvokerOptions
{
    /// <summary>How long one tool may run once it has a slot; the wait for a slot does not count.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many tools may run at once through the invoker; share one invoker per node to make this node-wide.</summary>
    public int MaxConcurrency { get; init; } = 64;
}
