using Orchestrator.Actors.Tools;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Hosting;

/// <summary>
/// What an embedding application chooses for <see cref="OrchestratorBuilderExtensions.WithOrchestrator(Akka.Hosting.AkkaConfigurationBuilder, Action{OrchestratorOptions})"/>.
/// Anything left null comes from the environment and <c>hocon/</c>, exactly as for the CLI
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

    /// <summary>Where unset values are read from; the process environment unless replaced (tests).</summary>
    public Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Last say over the loaded settings (model, conversation and tool limits, …).</summary>
    public Func<OrchestratorSettings, OrchestratorSettings>? Configure { get; set; }

    /// <summary>Tools registered here directly; tools registered in DI (<c>AddOrchestratorTool</c>) join them when the node starts.</summary>
    public ToolRegistry Tools { get; } = new();

    internal OrchestratorSettings ToSettings()
    {
        var apiKey = ApiKey;
        var environment = Environment;
        var settings = OrchestratorSettings.Load(name => name == "OPENAI_API_KEY" && apiKey is not null ? apiKey : environment(name), DataDirectory, Endpoint);
        return Configure?.Invoke(settings) ?? settings;
    }
}
