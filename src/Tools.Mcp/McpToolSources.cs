using Akka.Actor;
using Orchestrator.Actors.Tools;

namespace Orchestrator.Tools.Mcp;

/// <summary>Starts the MCP servers of a node as tool sources of its <see cref="ToolRegistry"/>.</summary>
public static class McpToolSources
{
    /// <summary>
    /// Starts one <see cref="McpServerActor"/> per server, each connecting at once, and returns without waiting. The
    /// task completes when every server's first attempt has ended (within <see cref="McpSourceOptions.ConnectTimeout"/>),
    /// connected or not: a host that waits for it declares the tools of every server that is up from its first turn.
    /// A server that is down delays nothing beyond that; its tools join the registry when it is connected.
    /// </summary>
    /// <param name="environment">Where the values of HTTP headers are read; the process environment unless given.</param>
    /// <exception cref="ArgumentException">Two servers share a name.</exception>
    public static Task Start(
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
        var attempts = new List<Task>();
        foreach (var server in servers)
        {
            var firstAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            system.ActorOf(McpServerActor.Props(server, registry, options, read, firstAttempt), "mcp-" + server.Name);
            attempts.Add(firstAttempt.Task);
        }

        return Task.WhenAll(attempts);
    }
}
