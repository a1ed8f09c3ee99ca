using Akka.Configuration;
using Orchestrator.Actors.Settings;

namespace Orchestrator.Actors.Tools;

/// <summary>Limits applied by a <see cref="ToolInvoker"/>: the <c>orchestrator.tools</c> settings.</summary>
public sealed record ToolInvokerOptions
{
    /// <summary>The reference configuration's limits (<c>hocon/engine.conf</c>).</summary>
    public ToolInvokerOptions() : this(ConfigurationFactory.Empty)
    {
    }

    /// <summary>The <c>orchestrator.tools</c> keys of <paramref name="config"/>, the reference's where it has none.</summary>
    public ToolInvokerOptions(Config config)
    {
        var t = EngineReference.Reader(config, "orchestrator.tools");
        Timeout = t.Duration("timeout");
        MaxConcurrency = t.Positive("max-concurrency");
    }

    /// <summary>How long one tool may run once it has a slot; the wait for a slot does not count.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>How many tools may run at once through the invoker; share one invoker per node to make this node-wide.</summary>
    public int MaxConcurrency { get; init; }
}
