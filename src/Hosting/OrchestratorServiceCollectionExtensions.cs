using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orchestrator.Hosting.Client;

namespace Orchestrator.Hosting;

/// <summary>DI registrations of an embedding application: the <see cref="IOrchestratorClient"/> facade and tools.</summary>
public static class OrchestratorServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IOrchestratorClient"/>; the node itself comes from <c>AddAkka(…, b => b.WithOrchestrator(…))</c>.</summary>
    public static IServiceCollection AddOrchestratorClient(this IServiceCollection services, TimeSpan? askTimeout = null)
    {
        services.TryAddSingleton<IOrchestratorClient>(sp => new OrchestratorClient(
            sp.GetRequiredService<ActorSystem>(),
            sp.GetRequiredService<IRequiredActor<ConversationRegion>>(),
            askTimeout ?? TimeSpan.FromSeconds(30)));
        return services;
    }

    /// <summary>Registers a tool implemented by a class; a new <typeparamref name="TTool"/> is made in a DI scope for every call.</summary>
    /// <param name="name">1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'.</param>
    /// <param name="description">What the tool does, for the model.</param>
    public static IServiceCollection AddOrchestratorTool<TTool, TArgs, TResult>(this IServiceCollection services, string name, string description)
        where TTool : class, IOrchestratorTool<TArgs, TResult>
    {
        services.TryAddTransient<TTool>();
        return services.AddSingleton(new OrchestratorToolRegistration((registry, provider) =>
            registry.Add<TArgs, TResult>(name, description, async (args, context, cancellationToken) =>
            {
                await using var scope = provider.CreateAsyncScope();
                return await scope.ServiceProvider.GetRequiredService<TTool>().RunAsync(args, context, cancellationToken);
            })));
    }

    /// <summary>Registers a tool that is a plain function.</summary>
    public static IServiceCollection AddOrchestratorTool<TArgs, TResult>(
        this IServiceCollection services, string name, string description, Func<TArgs, CancellationToken, Task<TResult>> run) =>
        services.AddSingleton(new OrchestratorToolRegistration((registry, _) => registry.Add(name, description, run)));
}
