using System.Globalization;
using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Tools;
using Orchestrator.Tools.Mcp;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// Settings written back as the HOCON they bind from, key for key: what a node runs with can be printed or saved as an
/// operator's file, and binding it again gives the same settings (SettingsRoundTripTests).
/// </summary>
public static class SettingsHocon
{
    public static Config ToHocon(this ConversationOptions o) => ConfigurationFactory.ParseString(Text(o));

    private static string Text(ConversationOptions o) => Hocon("orchestrator",
        ("model", o.Defaults.Model.ToHocon()),
        ("instructions", (o.Defaults.Instructions ?? "").ToHocon()),
        ("store", o.Defaults.Store.ToHocon()),
        ("conversation.continuation", o.UseContinuation.ToHocon()),
        ("conversation.max-send-attempts", o.MaxSendAttempts.ToHocon()),
        ("conversation.retry-min-backoff", Duration(o.RetryMinBackoff)),
        ("conversation.retry-max-backoff", Duration(o.RetryMaxBackoff)),
        ("conversation.compact-at-input-tokens", o.CompactAtInputTokens.ToHocon()),
        ("conversation.server-side-compaction", o.ServerSideCompaction.ToHocon()),
        ("conversation.in-band-compaction", o.InBandCompaction.ToHocon()),
        ("conversation.snapshot-every", o.SnapshotEvery.ToHocon()),
        ("conversation.warm-up", o.WarmUp.ToHocon()),
        ("conversation.steering", o.Steering.ToHocon()),
        ("conversation.steering-successor-timeout", Duration(o.SteeringSuccessorTimeout)),
        ("conversation.idle-timeout", Duration(o.IdleTimeout)),
        ("conversation.lease-timeout", Duration(o.LeaseTimeout)),
        ("conversation.compaction-timeout", Duration(o.CompactionTimeout)),
        ("conversation.max-message-chars", o.MaxMessageChars.ToHocon()),
        ("conversation.max-queued-messages", o.MaxQueuedMessages.ToHocon()),
        ("conversation.max-queued-bytes", o.MaxQueuedBytes.ToHocon()),
        ("conversation.max-rounds-per-turn", o.MaxRoundsPerTurn.ToHocon()),
        ("conversation.max-tool-calls-per-turn", o.MaxToolCallsPerTurn.ToHocon()),
        ("conversation.max-compactions-per-turn", o.MaxCompactionsPerTurn.ToHocon()),
        ("conversation.client-tool-timeout", Duration(o.ClientToolTimeout)),
        ("conversation.max-conversation-tools", o.MaxConversationTools.ToHocon()),
        ("conversation.max-conversation-tool-bytes", o.MaxConversationToolBytes.ToHocon()));

    public static Config ToHocon(this ConnectionLimits c) => ConfigurationFactory.ParseString(Text(c));

    private static string Text(ConnectionLimits c) => Hocon("orchestrator.connections",
        ("max-sockets", c.MaxSockets.ToHocon()),
        ("lanes-per-connection", c.LanesPerConnection.ToHocon()),
        ("max-in-flight-per-connection", c.MaxInFlightPerConnection.ToHocon()),
        ("max-age", Duration(c.MaxAge)),
        ("max-age-jitter", c.MaxAgeJitter.ToHocon()),
        ("max-drain", Duration(c.MaxDrain)),
        ("max-queued-leases", c.MaxQueuedLeases.ToHocon()),
        ("connect-timeout", Duration(c.ConnectTimeout)),
        ("min-backoff", Duration(c.MinBackoff)),
        ("max-backoff", Duration(c.MaxBackoff)),
        ("max-connecting", c.MaxConnecting.ToHocon()),
        ("idle-timeout", Duration(c.IdleTimeout)),
        ("lease-wait-warning-interval", Duration(c.LeaseWaitWarningInterval)),
        ("response-idle-timeout", Limit(c.ResponseIdleTimeout)),
        ("response-timeout", Limit(c.ResponseTimeout)),
        ("max-frame-bytes", c.MaxFrameBytes.ToHocon()),
        ("transport", c.Transport.Name().ToHocon()),
        ("fallback-after-failed-connects", c.FallbackAfterFailedConnects.ToHocon()),
        ("fallback-cool-down", Duration(c.FallbackCoolDown)),
        ("max-http-requests", c.MaxHttpRequests.ToHocon()));

    public static Config ToHocon(this ToolInvokerOptions t) => ConfigurationFactory.ParseString(Text(t));

    private static string Text(ToolInvokerOptions t) => Hocon("orchestrator.tools",
        ("timeout", Duration(t.Timeout)),
        ("max-concurrency", t.MaxConcurrency.ToHocon()));

    public static Config ToHocon(this McpSourceOptions m) => ConfigurationFactory.ParseString(Text(m));

    private static string Text(McpSourceOptions m) => Hocon(McpSourceOptions.Path,
        ("connect-timeout", Duration(m.ConnectTimeout)),
        ("min-backoff", Duration(m.MinBackoff)),
        ("max-backoff", Duration(m.MaxBackoff))) + string.Concat(m.Servers.Select(server => McpServerConfig.Text(server, McpSourceOptions.Path + ".servers")));

    /// <summary>The cluster keys of <c>cluster.conf</c> that <see cref="ClusterSettings"/> reads.</summary>
    public static Config ToHocon(this ClusterSettings c) => ConfigurationFactory.ParseString(Text(c));

    private static string Text(ClusterSettings c) => Hocon("akka",
        ("remote.dot-netty.tcp.hostname", c.Host.ToHocon()),
        ("remote.dot-netty.tcp.port", c.Port.ToHocon()),
        ("cluster.seed-nodes", $"[{string.Join(", ", c.SeedNodes.Select(seed => seed.ToHocon()))}]"));

    /// <summary>Every <c>orchestrator.*</c> setting of a node but the API's; the <c>postgres</c> ones when it is the journal.</summary>
    public static Config ToHocon(this OrchestratorSettings s)
    {
        (string, string)[] postgres = s.Postgres is { } p
            ? [("postgres.connection-string", p.ConnectionString.ToHocon()), ("postgres.startup-timeout", Duration(p.StartupTimeout))]
            : [];
        var own = Hocon("orchestrator",
        [
            ("data-directory", s.DataDirectory.ToHocon()),
            ("journal", s.Journal.Name().ToHocon()),
            ("sqlite-synchronous", s.SqliteSynchronous.ToString().ToLowerInvariant().ToHocon()),
            .. postgres,
        ]);
        return ConfigurationFactory.ParseString(own + Text(s.Conversation) + Text(s.Connections) + Text(s.Tools) + Text(s.Mcp) + Text(s.Cluster));
    }

    /// <summary>A duration as HOCON reads it back exactly (milliseconds).</summary>
    public static string Duration(TimeSpan value) => $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";

    private static string Limit(TimeSpan? value) => value is { } limit ? Duration(limit) : "off";

    /// <summary>One <c>path.key = value</c> line per setting.</summary>
    public static string Hocon(string path, params (string Key, string Value)[] settings)
    {
        var hocon = new StringBuilder();
        foreach (var (key, value) in settings) hocon.Append(path).Append('.').Append(key).Append(" = ").AppendLine(value);
        return hocon.ToString();
    }
}
