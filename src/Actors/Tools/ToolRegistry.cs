using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Orchestrator.Actors.Tools;

/// <summary>
/// The tools a node offers, by name. C# tools are registered at startup; the tools of an external source (an MCP
/// server) come and go with it (<see cref="ReplaceSource"/>). Reads never see a half-made registration: each change
/// publishes a new immutable snapshot.
/// </summary>
public sealed partial class ToolRegistry
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, RegisteredTool> _byName = ImmutableDictionary.Create<string, RegisteredTool>(StringComparer.Ordinal);
    private ImmutableList<ToolDefinition> _definitions = [];
    private ImmutableDictionary<string, ImmutableArray<string>> _sources = ImmutableDictionary.Create<string, ImmutableArray<string>>(StringComparer.Ordinal);

    /// <summary>The definitions to declare to the model, in registration order.</summary>
    public IReadOnlyList<ToolDefinition> Definitions => _definitions;

    /// <summary>Registers a tool that wants its call context (e.g. the call id as an idempotency key).</summary>
    /// <param name="name">1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'; unique in this registry.</param>
    /// <exception cref="ArgumentException">The name is invalid or taken, or <typeparamref name="TArgs"/> is not a JSON object type.</exception>
    public ToolRegistry Add<TArgs, TResult>(
        string name,
        string description,
        Func<TArgs, ToolContext, CancellationToken, Task<TResult>> run)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"Tool name '{name}' is invalid: use 1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'.", nameof(name));
        }

        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(run);

        RegisteredTool tool = RegisteredTool.Create(name, description, run);
        lock (_gate)
        {
            if (_byName.ContainsKey(name))
            {
                throw new ArgumentException($"A tool named '{name}' is already registered.", nameof(name));
            }

            _byName = _byName.Add(name, tool);
            _definitions = _definitions.Add(tool.Definition);
        }

        return this;
    }

    /// <summary>Registers a tool that needs no call context.</summary>
    /// <inheritdoc cref="Add{TArgs,TResult}(string,string,Func{TArgs,ToolContext,CancellationToken,Task{TResult}})"/>
    public ToolRegistry Add<TArgs, TResult>(
        string name,
        string description,
        Func<TArgs, CancellationToken, Task<TResult>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Add<TArgs, TResult>(name, description, (args, _, cancellationToken) => run(args, cancellationToken));
    }

    /// <summary>
    /// Makes <paramref name="tools"/> the whole set of tools of <paramref name="source"/>, in one step: the source's
    /// previous tools are gone and its new ones declared, all in the same snapshot. An empty list withdraws the source.
    /// </summary>
    /// <returns>The names left out: invalid, or taken by a tool of the node or of another source.</returns>
    public IReadOnlyList<string> ReplaceSource(string source, IReadOnlyList<ExternalTool> tools)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(tools);
        var rejected = new List<string>();
        lock (_gate)
        {
            ImmutableArray<string> previous = _sources.GetValueOrDefault(source, []);
            var byName = _byName.RemoveRange(previous);
            var definitions = _definitions.RemoveAll(definition => previous.Contains(definition.Name));
            var names = ImmutableArray.CreateBuilder<string>();
            foreach (ExternalTool tool in tools)
            {
                string name = tool.Definition.Name;
                if (!IsValidName(name) || byName.ContainsKey(name))
                {
                    rejected.Add(name);
                    continue;
                }

                byName = byName.Add(name, RegisteredTool.Create(tool));
                definitions = definitions.Add(tool.Definition);
                names.Add(name);
            }

            _byName = byName;
            _definitions = definitions;
            _sources = names.Count == 0 ? _sources.Remove(source) : _sources.SetItem(source, names.ToImmutable());
        }

        return rejected;
    }

    /// <summary>Whether <paramref name="name"/> is a valid tool name for the Responses API: <c>^[a-zA-Z0-9_-]{1,64}$</c>.</summary>
    public static bool IsValidName(string name) => name is not null && ValidName().IsMatch(name);

    public bool Contains(string name) => name is not null && _byName.ContainsKey(name);

    internal bool TryGet(string? name, [NotNullWhen(true)] out RegisteredTool? tool)
    {
        tool = null;
        return name is not null && _byName.TryGetValue(name, out tool);
    }

    // \z, not $: '$' would also accept a name ending in a newline.
    [GeneratedRegex(@"^[a-zA-Z0-9_-]{1,64}\z")]
    private static partial Regex ValidName();
}
