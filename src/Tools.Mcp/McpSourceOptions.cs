using Akka.Configuration;
using Akka.Configuration.Hocon;
using Orchestrator.Actors.Settings;

namespace Orchestrator.Tools.Mcp;

/// <summary>The MCP servers a node takes tools from and how it keeps them connected: the <c>orchestrator.tools.mcp</c> settings.</summary>
public sealed record McpSourceOptions
{
    public const string Path = "orchestrator.tools.mcp";

    /// <summary>The reference configuration's settings (<c>hocon/engine.conf</c>): no servers.</summary>
    public McpSourceOptions() : this(ConfigurationFactory.Empty)
    {
    }

    /// <summary>The <c>orchestrator.tools.mcp</c> keys of <paramref name="config"/>, the reference's where it has none.</summary>
    /// <exception cref="SettingsException">A key holds a value of the wrong type, or a server is neither stdio (<c>command</c>) nor HTTP (<c>url</c>).</exception>
    public McpSourceOptions(Config config)
    {
        var m = EngineReference.Reader(config, Path);
        ConnectTimeout = m.PositiveDuration("connect-timeout");
        MinBackoff = m.PositiveDuration("min-backoff");
        MaxBackoff = m.PositiveDuration("max-backoff");
        Servers = McpServerConfig.Read(config, Path + ".servers");
    }

    /// <summary>The servers, in the order they were configured.</summary>
    public IReadOnlyList<McpServer> Servers { get; init; } = [];

    /// <summary>Longest a connection may take: start of the process or HTTP handshake, initialisation and the first tool list.</summary>
    public TimeSpan ConnectTimeout { get; init; }

    /// <summary>Wait before the first reconnection attempt; doubled at each failed attempt up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; }

    /// <summary>Longest wait between reconnection attempts; attempts go on at this pace for as long as the server stays down.</summary>
    public TimeSpan MaxBackoff { get; init; }

    /// <summary>Settings equal key for key, servers compared by their settings.</summary>
    public bool Equals(McpSourceOptions? other) =>
        other is not null && (ConnectTimeout, MinBackoff, MaxBackoff) == (other.ConnectTimeout, other.MinBackoff, other.MaxBackoff)
        && Servers.Select(McpServerConfig.Text).SequenceEqual(other.Servers.Select(McpServerConfig.Text), StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(ConnectTimeout, MinBackoff, MaxBackoff, Servers.Count);
}
