using Microsoft.Extensions.Configuration;
using Orchestrator.Actors.Tools;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tools.Mcp;

namespace Orchestrator.Hosting;

/// <summary>
/// What an embedding application chooses for <see cref="OrchestratorBuilderExtensions.WithOrchestrator(Akka.Hosting.AkkaConfigurationBuilder, Action{OrchestratorOptions})"/>.
/// Anything left null comes from the layers the CLI reads (the reference HOCON, <c>ORCHESTRATOR_CONFIG</c>, <see cref="Configuration"/>, the environment)
/// (<c>OPENAI_API_KEY</c>, <c>OPENAI_BASE_URL</c>, <c>ORCHESTRATOR_DATA</c>, <c>ORCHESTRATOR_JOURNAL</c>, …).
/// </summary>
public sealed class OrchestratorOptions
{
    /// <summary>Responses endpoint: a base URL (<c>https://api.openai.com/v1</c>) or the WebSocket URL. Required unless <c>OPENAI_BASE_URL</c> or <c>OPENAI_API_KEY</c> is set.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Bearer key for the endpoint; default <c>OPENAI_API_KEY</c>. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Directory of the SQLite journal; default <c>ORCHESTRATOR_DATA</c> or <c>./data</c>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// The application's configuration, whose <c>Orchestrator</c> section sets <c>orchestrator.*</c> keys
    /// (<c>"Orchestrator": { "Connections": { "MaxSockets": 64 } }</c>, <c>ORCHESTRATOR__Connections__MaxSockets</c>);
    /// e.g. <c>builder.Configuration</c>. Its keys win over <see cref="ConfigFile"/>; an unknown key stops the start.
    /// </summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>A HOCON file of overrides over the reference configuration; default <c>ORCHESTRATOR_CONFIG</c>.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>Where unset values are read from; the process environment unless replaced (tests).</summary>
    public Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Last say over the loaded settings (model, conversation and tool limits, …).</summary>
    public Func<OrchestratorSettings, OrchestratorSettings>? Configure { get; set; }

    /// <summary>Tools registered here directly; tools registered in DI (<c>AddOrchestratorTool</c>) join them when the node starts.</summary>
    public ToolRegistry Tools { get; } = new();

    /// <summary>MCP servers whose tools the node offers, after those of <c>orchestrator.tools.mcp.servers</c>.</summary>
    public IList<McpServer> McpServers { get; } = [];

    internal OrchestratorSettings ToSettings()
    {
        var apiKey = ApiKey;
        var environment = Environment;
        var settings = OrchestratorSettings.Load(name => name == "OPENAI_API_KEY" && apiKey is not null ? apiKey : environment(name), DataDirectory, Endpoint, ConfigFile, Configuration);
        if (McpServers.Count > 0) settings = settings with { Mcp = settings.Mcp with { Servers = [.. settings.Mcp.Servers, .. McpServers] } };
        return Configure?.Invoke(settings) ?? settings;
    }
}
