using System.Collections;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Tools;

/// <summary>
/// The function tools of a registry as <c>response.create</c> declares them, always the registry's current ones: a
/// source's tools that change (an MCP server's list) reach the next request without restarting anything. Each
/// enumeration reads one snapshot; the conversion is redone only when the registry has changed.
/// </summary>
public sealed class ToolDeclarations(ToolRegistry registry) : IReadOnlyList<FunctionTool>
{
    // A reference, swapped whole: conversations on many threads read it.
    private Snapshot _cache = new([], []);

    public int Count => Current.Count;

    public FunctionTool this[int index] => Current[index];

    public IEnumerator<FunctionTool> GetEnumerator() => Current.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IReadOnlyList<FunctionTool> Current
    {
        get
        {
            var definitions = registry.Definitions;
            var cache = _cache;
            if (ReferenceEquals(cache.From, definitions)) return cache.Tools;
            var tools = definitions.Select(d => new FunctionTool(d.Name, d.Description, d.Parameters)).ToList();
            _cache = new Snapshot(definitions, tools);
            return tools;
        }
    }

    private sealed record Snapshot(IReadOnlyList<ToolDefinition> From, IReadOnlyList<FunctionTool> Tools);
}
