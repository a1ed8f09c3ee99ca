using Akka.Configuration;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Settings;
using Orchestrator.Actors.Tools;
using Orchestrator.Messages.Events;

namespace Orchestrator.Host.Configuration;

/// <summary>
/// Settings read once from the merged HOCON (<c>hocon/*.conf</c>) and the environment into an immutable object.
/// The API key is held here and in <see cref="EndpointSettings"/> only, and neither prints it; nor does anything print
/// the PostgreSQL password (<see cref="PostgresJournalSettings"/>).
/// </summary>
public sealed record OrchestratorSettings
{
    public required Config Hocon { get; init; }
    /// <summary>Settings a new conversation starts with: <see cref="ConversationOptions.Defaults"/>.</summary>
    public ConversationSettings Defaults => Conversation.Defaults;
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

    /// <summary>Loaded always; the chosen journal's <c>persistence-*.conf</c> follows (<see cref="JournalStore.HoconFile"/>).</summary>
    public static readonly string[] HoconFiles = ["engine.conf", "cluster.conf"];

    /// <summary>The environment variable naming a HOCON file whose keys win over <c>hocon/</c> (an operator's overrides).</summary>
    public const string ConfigFileVariable = "ORCHESTRATOR_CONFIG";

    /// <summary>
    /// Loads <c>hocon/</c> from beside the executable under the file <see cref="ConfigFileVariable"/> names, if any, then
    /// applies the environment and explicit overrides.
    /// </summary>
    public static OrchestratorSettings Load(Func<string, string?> environment, string? dataDirectoryOption = null, string? endpointOption = null)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "hocon");
        var config = HoconFiles.Select(file => Read(directory, file)).Aggregate((merged, next) => merged.WithFallback(next));
        if (Blank(environment(ConfigFileVariable)) is { } overrides)
        {
            var path = Path.GetFullPath(overrides);
            if (!File.Exists(path)) throw new ConfigurationException($"{ConfigFileVariable} names '{path}', which does not exist.");
            config = ConfigurationFactory.ParseString(File.ReadAllText(path)).WithFallback(config);
        }
        var settings = FromConfig(config, environment, dataDirectoryOption, endpointOption);
        // Only the chosen backend's file: the persistence files set the same akka.persistence keys.
        return settings with { Hocon = config.WithFallback(Read(directory, JournalStore.HoconFile(settings.Journal))) };
    }

    private static Config Read(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path)
            ? ConfigurationFactory.ParseString(File.ReadAllText(path))
            : throw new ConfigurationException($"Configuration file '{path}' is missing; the build copies hocon/ beside the executable.");
    }

    public static OrchestratorSettings FromConfig(Config config, Func<string, string?> environment, string? dataDirectoryOption = null, string? endpointOption = null)
    {
        try
        {
            var o = EngineReference.Reader(config, "orchestrator");
            var apiKey = Blank(environment("OPENAI_API_KEY"));
            var journal = JournalKinds.Parse(Blank(environment("ORCHESTRATOR_JOURNAL")) ?? o.String("journal"));
            var postgres = journal == JournalKind.Postgres
                ? PostgresJournalSettings.Parse(
                    Blank(environment("ORCHESTRATOR_POSTGRES")) ?? Blank(o.String("postgres.connection-string")),
                    o.Duration("postgres.startup-timeout"))
                : null;

            return new OrchestratorSettings
            {
                Hocon = config,
                DataDirectory = Path.GetFullPath(Blank(dataDirectoryOption) ?? Blank(environment("ORCHESTRATOR_DATA")) ?? o.String("data-directory")),
                Journal = journal,
                SqliteSynchronous = SqliteSynchronousSettings.Parse(Blank(environment("ORCHESTRATOR_SQLITE_SYNCHRONOUS")) ?? o.String("sqlite-synchronous")),
                Postgres = postgres,
                ResponsesUrl = EndpointResolver.Resolve(endpointOption, environment("OPENAI_BASE_URL"), apiKey),
                ApiKey = apiKey,
                Connections = new ConnectionLimits(config),
                Conversation = new ConversationOptions(config),
                Tools = new ToolInvokerOptions(config),
                Cluster = ClusterSettings.FromConfig(config, environment),
            };
        }
        catch (SettingsException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    public EndpointSettings EndpointFor(Uri responsesUrl) => EndpointSettings.For(responsesUrl, ApiKey, Connections);

    public override string ToString() =>
        $"OrchestratorSettings {{ Model = {Defaults.Model}, Store = {Defaults.Store}, DataDirectory = {DataDirectory}, Journal = {(Postgres?.ToString() ?? Journal.Name())}, Endpoint = {ResponsesUrl?.ToString() ?? "embedded emulator"}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

