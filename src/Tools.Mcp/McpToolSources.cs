using Akka.Actor;
using Orchestrator.Actors.Tools;

namespace Orchestrator.Tools.Mcp;

/// <summary>Starts the MCP servers of a node as tool sources of its <see cref="ToolRegistry"/>.</summary>
public static class McpToolSources
{
    /// <summary>
    /// Starts one <see cref="McpServerActor"/> per server, each connecting at once. Returns without waiting: a server
    /// that is slow or down delays nothing, and its tools join the registry when it is connected.
    /// </summary>
    /// <param name="environment">Where the values of HTTP headers are read; the process environment unless given.</param>
    /// <exception cref="ArgumentException">Two servers share a name.</exception>
    public static IReadOnlyList<IActorRef> Start(
        ActorSystem system,
        ToolRegistry registry,
        IReadOnlyList<McpServer> servers,
        McpSourceOptions options,
        Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(options);
        if (servers.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Two MCP servers are named '{twice.Key}'.", nameof(servers));
        var read = environment ?? Environment.GetEnvironmentVariable;
        return servers.Select(server => system.ActorOf(McpServerActor.Props(server, registry, options, read), "mcp-" + server.Name)).ToList();
    }
}
