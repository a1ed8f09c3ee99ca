using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Hosting;

/// <summary>The embedding entry point: <c>services.AddAkka("name", b => b.WithOrchestrator(o => …))</c>.</summary>
public static class OrchestratorBuilderExtensions
{
    /// <summary>
    /// Adds the engine to an Akka.Hosting actor system: journal, connection manager, conversation shard region.
    /// The journal is checked here, before the actor system exists (a bad path or an unreachable database is a
    /// <see cref="ConfigurationException"/> now rather than a plugin failure later). Tools come from
    /// <see cref="OrchestratorOptions.Tools"/> and from DI (<c>AddOrchestratorTool</c>).
    /// </summary>
    public static AkkaConfigurationBuilder WithOrchestrator(this AkkaConfigurationBuilder builder, Action<OrchestratorOptions> configure)
    {
        var options = new OrchestratorOptions();
        configure(options);
        var settings = options.ToSettings();
        var responsesUrl = settings.ResponsesUrl
            ?? throw new ConfigurationException("No Responses endpoint: set OrchestratorOptions.Endpoint, OPENAI_BASE_URL or OPENAI_API_KEY (the embedded emulator is started by the CLI only).");
        // One node per SQLite journal, as for the CLI; held until the actor system terminates.
        var dataLock = DataDirectoryLock.Acquire(settings);
        // The composition root is synchronous; the check is bounded by orchestrator.postgres.startup-timeout.
        var journal = JournalStore.For(settings).PrepareAsync(CancellationToken.None).GetAwaiter().GetResult();
        var tools = options.Tools;

        // Starters run in order: the DI tools are in the registry before the conversation region declares them.
        builder.WithActors((system, _, resolver) =>
        {
            if (dataLock is not null) system.RegisterOnTermination(dataLock.Dispose);
            var services = resolver.GetService<IServiceProvider>();
            foreach (var registration in services.GetServices<OrchestratorToolRegistration>()) registration.Register(tools, services);
        });
        return builder.WithOrchestrator(settings, journal, responsesUrl, tools);
    }
}
