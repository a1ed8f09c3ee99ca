using System.ComponentModel;
using System.Text;
using Orchestrator.Actors.Tools;

namespace Orchestrator.Load;

public sealed record ItemArgs([Description("Catalogue item, e.g. a product name or SKU.")] string Item);

public sealed record ItemFigure(
    [Description("The item, as asked.")] string Item,
    [Description("The figure the tool looks up.")] long Value);

/// <summary>
/// The bench's tools: four lookups whose answer is FNV-1a of "tool:item", so that every run, and the Agents SDK
/// peer (<c>tests/bench/agents-sdk/tools.mjs</c> computes the same), returns the same values. Simple on purpose:
/// the bench measures the engine around the tools, not the tools.
/// </summary>
public static class BenchTools
{
    public static readonly string[] Names = ["get_price", "get_stock", "get_rating", "get_delivery_days"];

    /// <param name="latency">Simulated work per call (honouring cancellation); zero for none.</param>
    public static ToolRegistry Register(ToolRegistry registry, TimeSpan latency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        foreach (var name in Names)
        {
            registry.Add<ItemArgs, ItemFigure>(name, $"Look up the {name[4..].Replace('_', ' ')} of a catalogue item.", async (args, cancellationToken) =>
            {
                if (latency > TimeSpan.Zero) await Task.Delay(latency, cancellationToken).ConfigureAwait(false);
                return Lookup(name, args.Item);
            });
        }
        return registry;
    }

    public static ItemFigure Lookup(string tool, string item) => new(item, Fnv1a($"{tool}:{item}") % 100_000);

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 16777619;
        return hash;
    }
}
