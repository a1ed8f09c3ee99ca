using System.Globalization;
using Npgsql;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Load;

/// <summary>
/// What the bench changes in each node of its cluster, and nothing else: the node runs as <c>orchestrator serve</c>
/// with its reference settings otherwise.
/// </summary>
public static class ClusterNodeSettings
{
    /// <summary>
    /// Connections of each node's Npgsql pool, for one node as for three: PostgreSQL allows 100 by default, shared by
    /// every node, the bench's own counting and whatever else uses the server.
    /// </summary>
    public const int PoolPerNode = 20;

    /// <summary>HTTP connections each node accepts beyond the event streams and message posts the bench holds open.</summary>
    private const int SpareConnections = 100;

    /// <summary>
    /// The settings file of a node that serves <paramref name="scenario"/>: the bench is one client (one address)
    /// holding an event stream and a post per conversation, as a load balancer in front of the nodes is, so the
    /// per-client connection and rate limits are raised for it (README "Configuration" says to, behind a proxy); the
    /// per-turn caps stretch to the scenario's turn rather than end it, as the in-process bench does.
    /// </summary>
    /// <param name="maxSockets">The node's socket pool; null keeps the configured one.</param>
    /// <param name="reference">The node's settings as loaded without the bench's changes: the caps only ever grow.</param>
    public static string Hocon(BenchScenario scenario, int? maxSockets, OrchestratorSettings reference)
    {
        var connections = 2 * scenario.Conversations + SpareConnections;
        var lines = new List<string>
        {
            $"orchestrator.api.max-connections = {connections}",
            $"orchestrator.api.max-connections-per-client = {connections}",
            "orchestrator.api.rate-limit.requests-per-second = 0",
            $"orchestrator.conversation.max-rounds-per-turn = {Math.Max(reference.Conversation.MaxRoundsPerTurn, scenario.TurnsPerConversation)}",
            $"orchestrator.conversation.max-tool-calls-per-turn = {Math.Max(reference.Conversation.MaxToolCallsPerTurn, scenario.Rounds * scenario.Tools)}",
        };
        if (maxSockets is { } sockets) lines.Add($"orchestrator.connections.max-sockets = {sockets}");
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The run's database with each node's pool bounded to <see cref="PoolPerNode"/>.</summary>
    public static string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(database) { MaxPoolSize = PoolPerNode }.ConnectionString;

    /// <summary>Every node lists all nodes as seeds, so that they form one cluster whichever starts first.</summary>
    public static string SeedNodes(IEnumerable<int> ports) =>
        string.Join(",", ports.Select(port => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"));
}
