using Akka.Configuration;
using Microsoft.Extensions.Configuration;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Settings;
using Orchestrator.Actors.Tools;
using Orchestrator.Messages.Events;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Tools.Mcp;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// Settings read once from the layered configuration (<see cref="Load"/>) into an immutable object.
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
    /// <summary>The MCP servers whose tools the node offers (<c>orchestrator.tools.mcp</c>).</summary>
    public required McpSourceOptions Mcp { get; init; }
    /// <summary>This node's cluster address and the seed nodes it joins.</summary>
    public required ClusterSettings Cluster { get; init; }

    /// <summary>
    /// The reference's cluster part (<c>cluster.conf</c>, embedded in this assembly; <c>engine.conf</c> comes from the
    /// actors' library: <see cref="EngineReference"/>); the chosen journal's reference follows (<see cref="JournalStore.Reference"/>).
    /// </summary>
    public const string ClusterFile = "cluster.conf";

    /// <summary>The environment variable naming a HOCON file whose keys win over the reference (an operator's overrides); <c>--config</c> wins over it.</summary>
    public const string ConfigFileVariable = "ORCHESTRATOR_CONFIG";

    /// <summary>
    /// The settings from every layer, lowest first: the reference (<c>engine.conf</c>, <c>cluster.conf</c>); an operator's
    /// HOCON file, <paramref name="configFile"/> (<c>--config</c>) or else the one <see cref="ConfigFileVariable"/> names;
    /// the <c>Orchestrator</c> keys of <paramref name="configuration"/> (appsettings.json, then <c>ORCHESTRATOR__…</c>
    /// environment variables: <see cref="ConfigurationLayer"/>); the variables of single settings (<c>ORCHESTRATOR_DATA</c>, …);
    /// the command line's options. An unknown <c>orchestrator.*</c> key or a value of the wrong type is a <see cref="ConfigurationException"/>.
    /// </summary>
    public static OrchestratorSettings Load(
        Func<string, string?> environment,
        string? dataDirectoryOption = null,
        string? endpointOption = null,
        string? configFile = null,
        IConfiguration? configuration = null)
    {
        var config = EngineReference.Config.WithFallback(Reference(ClusterFile));
        if (Blank(configFile) is { } option) config = ReadOverrides(option, "--config").WithFallback(config);
        else if (Blank(environment(ConfigFileVariable)) is { } variable) config = ReadOverrides(variable, ConfigFileVariable).WithFallback(config);
        if (configuration is not null) config = ConfigurationLayer.ToHocon(configuration).WithFallback(config);
        var settings = FromConfig(config, environment, dataDirectoryOption, endpointOption);
        // Only the chosen backend's file: the persistence files set the same akka.persistence keys.
        return settings with { Hocon = config.WithFallback(JournalStore.Reference(settings.Journal)) };
    }

    private static Config ReadOverrides(string file, string source)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path)) throw new ConfigurationException($"{source} names '{path}', which does not exist.");
        Config overrides;
        try
        {
            overrides = ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException)
        {
            throw new ConfigurationException($"{path} is not valid HOCON: {e.Message}", e);
        }
        KnownSettings.Check(overrides, path);
        return overrides;
    }

    /// <summary>A file of <c>hocon/</c> that this assembly embeds: <c>engine.conf</c>, <c>cluster.conf</c>, <c>persistence-postgres.conf</c>.</summary>
    internal static Config Reference(string file) => ConfigurationFactory.FromResource<OrchestratorSettings>($"Orchestrator.Hosting.{file}");

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
                Mcp = new McpSourceOptions(config),
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

