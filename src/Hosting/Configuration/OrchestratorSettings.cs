using Akka.Configuration;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Tools;
using Orchestrator.Messages.Events;
using Orchestrator.Persistence.Sqlite;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// Settings read once from the merged HOCON (<c>hocon/*.conf</c>) and the environment into an immutable object.
/// The API key is held here and in <see cref="EndpointSettings"/> only, and neither prints it; nor does anything print
/// the PostgreSQL password (<see cref="PostgresJournalSettings"/>).
/// </summary>
public sealed record OrchestratorSettings
{
    public required Config Hocon { get; init; }
    public required ConversationSettings Defaults { get; init; }
    public required string DataDirectory { get; init; }
    public required JournalKind Journal { get; init; }
    public SqliteSynchronous SqliteSynchronous { get; init; }
    /// <summary>Set when <see cref="Journal"/> is <see cref="JournalKind.Postgres"/>.</summary>
    public PostgresJournalSettings? Postgres { get; init; }
    /// <summary>The endpoint to connect to; null starts the embedded emulator on loopback.</summary>
    public Uri? ResponsesUrl { get; init; }
    public string? ApiKey { get; init; }
    public required ConnectionLimits Connections { get; init; }
    public required ConversationOptions Conversation { get; init; }
    public required ToolInvokerOptions Tools { get; init; }
    /// <summary>This node's cluster address and the seed nodes it joins.</summary>
    public required ClusterSettings Cluster { get; init; }

    /// <summary>Loaded always; the chosen journal's reference configuration follows (<see cref="JournalStore.Reference"/>).</summary>
    public static readonly string[] HoconFiles = ["engine.conf", "cluster.conf"];

    /// <summary>The environment variable naming a HOCON file whose keys win over <c>hocon/</c> (an operator's overrides).</summary>
    public const string ConfigFileVariable = "ORCHESTRATOR_CONFIG";

    /// <summary>
    /// Loads the reference configuration (<c>hocon/</c>, embedded in the libraries) under the file
    /// <see cref="ConfigFileVariable"/> names, if any, then applies the environment and explicit overrides.
    /// </summary>
    public static OrchestratorSettings Load(Func<string, string?> environment, string? dataDirectoryOption = null, string? endpointOption = null)
    {
        var config = HoconFiles.Select(Reference).Aggregate((merged, next) => merged.WithFallback(next));
        if (Blank(environment(ConfigFileVariable)) is { } overrides)
        {
            var path = Path.GetFullPath(overrides);
            if (!File.Exists(path)) throw new ConfigurationException($"{ConfigFileVariable} names '{path}', which does not exist.");
            config = ConfigurationFactory.ParseString(File.ReadAllText(path)).WithFallback(config);
        }
        var settings = FromConfig(config, environment, dataDirectoryOption, endpointOption);
        // Only the chosen backend's file: the persistence files set the same akka.persistence keys.
        return settings with { Hocon = config.WithFallback(JournalStore.Reference(settings.Journal)) };
    }

    /// <summary>A file of <c>hocon/</c> that this assembly embeds: <c>engine.conf</c>, <c>cluster.conf</c>, <c>persistence-postgres.conf</c>.</summary>
    internal static Config Reference(string file) => ConfigurationFactory.FromResource<OrchestratorSettings>($"Orchestrator.Hosting.{file}");

    public static OrchestratorSettings FromConfig(Config config, Func<string, string?> environment, string? dataDirectoryOption = null, string? endpointOption = null)
    {
        var o = config.GetConfig("orchestrator") ?? throw new ConfigurationException("The configuration has no 'orchestrator' section.");
        var apiKey = Blank(environment("OPENAI_API_KEY"));
        var journal = JournalKinds.Parse(Blank(environment("ORCHESTRATOR_JOURNAL")) ?? o.GetString("journal", "sqlite"));
        var postgres = journal == JournalKind.Postgres
            ? PostgresJournalSettings.Parse(
                Blank(environment("ORCHESTRATOR_POSTGRES")) ?? Blank(o.GetString("postgres.connection-string", null)),
                o.GetTimeSpan("postgres.startup-timeout", TimeSpan.FromSeconds(10)))
            : null;

        var defaults = new ConversationSettings(o.GetString("model"), Blank(o.GetString("instructions", null)), o.GetBoolean("store", false));
        if (string.IsNullOrWhiteSpace(defaults.Model)) throw new ConfigurationException("orchestrator.model must be set.");

        return new OrchestratorSettings
        {
            Hocon = config,
            Defaults = defaults,
            DataDirectory = Path.GetFullPath(Blank(dataDirectoryOption) ?? Blank(environment("ORCHESTRATOR_DATA")) ?? o.GetString("data-directory", "data")),
            Journal = journal,
            SqliteSynchronous = SqliteSynchronousSettings.Parse(Blank(environment("ORCHESTRATOR_SQLITE_SYNCHRONOUS")) ?? o.GetString("sqlite-synchronous", "full")),
            Postgres = postgres,
            ResponsesUrl = EndpointResolver.Resolve(endpointOption, environment("OPENAI_BASE_URL"), apiKey),
            ApiKey = apiKey,
            Connections = new ConnectionLimits(
                Positive(o.GetInt("connections.max-sockets", 128), "connections.max-sockets"),
                Positive(o.GetInt("connections.max-queued-leases", 10_000), "connections.max-queued-leases"),
                o.GetTimeSpan("connections.connect-timeout", TimeSpan.FromSeconds(15)),
                o.GetTimeSpan("connections.min-backoff", TimeSpan.FromMilliseconds(200)),
                o.GetTimeSpan("connections.max-backoff", TimeSpan.FromSeconds(10)),
                InRange(o.GetInt("connections.lanes-per-connection", 16), 1, 32, "connections.lanes-per-connection"),
                InRange(o.GetInt("connections.max-in-flight-per-connection", 16), 1, 16, "connections.max-in-flight-per-connection"),
                o.GetTimeSpan("connections.max-age", TimeSpan.FromMinutes(55)),
                Math.Clamp(o.GetDouble("connections.max-age-jitter", 0.1), 0, 0.5),
                o.GetTimeSpan("connections.max-drain", TimeSpan.FromMinutes(4)),
                Positive(o.GetInt("connections.max-connecting", 8), "connections.max-connecting"),
                PositiveTime(o.GetTimeSpan("connections.idle-timeout", TimeSpan.FromMinutes(5)), "connections.idle-timeout"),
                o.GetTimeSpan("connections.lease-wait-warning-interval", TimeSpan.FromMinutes(1)))
            {
                ResponseIdleTimeout = Limit(o, "connections.response-idle-timeout", TimeSpan.FromMinutes(5)),
                ResponseTimeout = Limit(o, "connections.response-timeout", null),
            },
            Conversation = new ConversationOptions
            {
                Defaults = defaults,
                UseContinuation = o.GetBoolean("conversation.continuation", true),
                MaxSendAttempts = Positive(o.GetInt("conversation.max-send-attempts", 6), "conversation.max-send-attempts"),
                RetryMinBackoff = o.GetTimeSpan("conversation.retry-min-backoff", TimeSpan.FromMilliseconds(200)),
                RetryMaxBackoff = o.GetTimeSpan("conversation.retry-max-backoff", TimeSpan.FromSeconds(5)),
                IdleTimeout = o.GetTimeSpan("conversation.idle-timeout", TimeSpan.FromMinutes(2)),
                CompactAtInputTokens = Math.Max(0, o.GetLong("conversation.compact-at-input-tokens", 200_000)),
                ServerSideCompaction = o.GetBoolean("conversation.server-side-compaction", false),
                SnapshotEvery = Positive(o.GetInt("conversation.snapshot-every", 100), "conversation.snapshot-every"),
                WarmUp = o.GetBoolean("conversation.warm-up", false),
                MaxMessageChars = Positive(o.GetInt("conversation.max-message-chars", 1_000_000), "conversation.max-message-chars"),
                MaxQueuedMessages = Positive(o.GetInt("conversation.max-queued-messages", 32), "conversation.max-queued-messages"),
                MaxQueuedBytes = PositiveBytes(o.GetByteSize("conversation.max-queued-bytes") ?? 4 * 1024 * 1024, "conversation.max-queued-bytes"),
                MaxRoundsPerTurn = Positive(o.GetInt("conversation.max-rounds-per-turn", 64), "conversation.max-rounds-per-turn"),
                MaxToolCallsPerTurn = Positive(o.GetInt("conversation.max-tool-calls-per-turn", 512), "conversation.max-tool-calls-per-turn"),
                MaxCompactionsPerTurn = InRange(o.GetInt("conversation.max-compactions-per-turn", 4), 0, 1000, "conversation.max-compactions-per-turn"),
            },
            Tools = new ToolInvokerOptions
            {
                Timeout = o.GetTimeSpan("tools.timeout", TimeSpan.FromSeconds(30)),
                MaxConcurrency = Positive(o.GetInt("tools.max-concurrency", 64), "tools.max-concurrency"),
            },
            Cluster = ClusterSettings.FromConfig(config, environment),
        };
    }

    public EndpointSettings EndpointFor(Uri responsesUrl) => new()
    {
        ResponsesUrl = responsesUrl,
        ApiKey = ApiKey,
        MaxSockets = Connections.MaxSockets,
        MaxQueuedLeases = Connections.MaxQueuedLeases,
        ConnectTimeout = Connections.ConnectTimeout,
        MinBackoff = Connections.MinBackoff,
        MaxBackoff = Connections.MaxBackoff,
        LanesPerConnection = Connections.LanesPerConnection,
        MaxInFlightPerConnection = Connections.MaxInFlightPerConnection,
        MaxAge = Connections.MaxAge,
        MaxAgeJitter = Connections.MaxAgeJitter,
        MaxDrain = Connections.MaxDrain,
        MaxConnecting = Connections.MaxConnecting,
        IdleTimeout = Connections.IdleTimeout,
        LeaseWaitWarningInterval = Connections.LeaseWaitWarningInterval,
        ResponseIdleTimeout = Connections.ResponseIdleTimeout,
        ResponseTimeout = Connections.ResponseTimeout,
    };

    public override string ToString() =>
        $"OrchestratorSettings {{ Model = {Defaults.Model}, Store = {Defaults.Store}, DataDirectory = {DataDirectory}, Journal = {(Postgres?.ToString() ?? Journal.Name())}, Endpoint = {ResponsesUrl?.ToString() ?? "embedded emulator"}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int InRange(int value, int min, int max, string key) =>
        value >= min && value <= max ? value : throw new ConfigurationException($"orchestrator.{key} must be between {min} and {max}, not {value}.");

    private static long PositiveBytes(long value, string key) =>
        value > 0 ? value : throw new ConfigurationException($"orchestrator.{key} must be a positive size, not {value}.");

    /// <summary>A duration that <c>off</c> turns off (null).</summary>
    private static TimeSpan? Limit(Config o, string key, TimeSpan? fallback)
    {
        if (!o.HasPath(key)) return fallback;
        if (o.GetString(key) is "off" or "false") return null;
        var limit = o.GetTimeSpan(key);
        return limit > TimeSpan.Zero ? limit : throw new ConfigurationException($"orchestrator.{key} must be positive or off, not {o.GetString(key)}.");
    }

    private static int Positive(int value, string key) =>
        value > 0 ? value : throw new ConfigurationException($"orchestrator.{key} must be positive, not {value}.");

    private static TimeSpan PositiveTime(TimeSpan value, string key) =>
        value > TimeSpan.Zero ? value : throw new ConfigurationException($"orchestrator.{key} must be positive, not {value}.");
}

public sealed record ConnectionLimits(
    int MaxSockets,
    int MaxQueuedLeases,
    TimeSpan ConnectTimeout,
    TimeSpan MinBackoff,
    TimeSpan MaxBackoff,
    int LanesPerConnection,
    int MaxInFlightPerConnection,
    TimeSpan MaxAge,
    double MaxAgeJitter,
    TimeSpan MaxDrain,
    int MaxConnecting,
    TimeSpan IdleTimeout,
    TimeSpan LeaseWaitWarningInterval)
{
    /// <summary>See <see cref="EndpointSettings.ResponseIdleTimeout"/>.</summary>
    public TimeSpan? ResponseIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>See <see cref="EndpointSettings.ResponseTimeout"/>.</summary>
    public TimeSpan? ResponseTimeout { get; init; }
}
