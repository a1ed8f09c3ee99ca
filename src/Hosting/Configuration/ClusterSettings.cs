using Akka.Actor;
using Akka.Configuration;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// Where this node listens for the cluster and whom it joins: <c>akka.remote.dot-netty.tcp.hostname|port</c> and
/// <c>akka.cluster.seed-nodes</c> of <c>hocon/cluster.conf</c>, overridden by <c>ORCHESTRATOR_CLUSTER_HOST</c>,
/// <c>ORCHESTRATOR_CLUSTER_PORT</c> and <c>ORCHESTRATOR_SEED_NODES</c> (and <c>serve</c>'s options). No seed nodes:
/// the node joins itself, a cluster of one.
/// </summary>
public sealed record ClusterSettings(string Host, int Port, IReadOnlyList<string> SeedNodes)
{
    public static ClusterSettings FromConfig(Config config, Func<string, string?> environment)
    {
        var host = Blank(environment("ORCHESTRATOR_CLUSTER_HOST")) ?? config.GetString("akka.remote.dot-netty.tcp.hostname", "127.0.0.1");
        var port = Blank(environment("ORCHESTRATOR_CLUSTER_PORT")) is { } text ? ParsePort(text, "ORCHESTRATOR_CLUSTER_PORT") : config.GetInt("akka.remote.dot-netty.tcp.port", 0);
        var seeds = Blank(environment("ORCHESTRATOR_SEED_NODES")) is { } list ? ParseSeedNodes(list) : config.GetStringList("akka.cluster.seed-nodes", []).ToList();
        return new ClusterSettings(host, port, seeds).Validated();
    }

    /// <summary>Options given on the command line win over HOCON and the environment.</summary>
    public ClusterSettings With(string? host, int? port, string? seedNodes) =>
        new ClusterSettings(Blank(host) ?? Host, port ?? Port, Blank(seedNodes) is { } list ? ParseSeedNodes(list) : SeedNodes).Validated();

    /// <summary>
    /// The HOCON that applies the host and port. Seed nodes are joined explicitly at start-up
    /// (<see cref="SeedAddresses"/>), so Akka's own list is emptied here.
    /// </summary>
    public Config ToHocon() => ConfigurationFactory.ParseString(
        $"akka.remote.dot-netty.tcp.hostname = {Quote(Host)}\n" +
        $"akka.remote.dot-netty.tcp.port = {Port}\n" +
        "akka.cluster.seed-nodes = []");

    /// <summary>
    /// The seed nodes' addresses; a seed given as <c>host:port</c> is taken to run the actor system
    /// <paramref name="systemName"/> (every node of a cluster runs the same system name).
    /// </summary>
    public IReadOnlyList<Address> SeedAddresses(string systemName) =>
        SeedNodes.Select(seed => Address.Parse(seed.Contains("://", StringComparison.Ordinal) ? seed : $"akka.tcp://{systemName}@{seed}")).ToList();

    private ClusterSettings Validated()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ConfigurationException("The cluster host (ORCHESTRATOR_CLUSTER_HOST, --cluster-host) must not be empty.");
        if (Port is < 0 or > 65535) throw new ConfigurationException($"The cluster port must be between 0 and 65535, not {Port}.");
        return this;
    }

    private static List<string> ParseSeedNodes(string list)
    {
        var seeds = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var seed in seeds.Where(seed => !seed.Contains("://", StringComparison.Ordinal)))
        {
            var colon = seed.LastIndexOf(':');
            if (colon <= 0) throw new ConfigurationException($"Seed node '{seed}' is neither host:port nor an address like akka.tcp://orchestrator@127.0.0.1:4053.");
            ParsePort(seed[(colon + 1)..], $"seed node '{seed}'");
        }
        return seeds;
    }

    private static int ParsePort(string text, string source) =>
        int.TryParse(text, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ConfigurationException($"The port of {source} must be a number between 0 and 65535, not '{text}'.");

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
