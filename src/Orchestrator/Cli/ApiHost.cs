using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Hosting;
using Orchestrator.Http;
using Orchestrator.OperatorConsole;
using MinDataRate = Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate;

namespace Orchestrator.Cli;

/// <summary>
/// The HTTP API of a running node, as <c>serve</c> runs it: a Kestrel app of its own beside the node's host, with the
/// server's limits, started and stopped with it.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The bound address (a port 0 in the URL is resolved).</summary>
    public Uri Address { get; }

    public static async Task<ApiHost> StartAsync(OrchestratorNode node, string url, ApiOptions options, CancellationToken cancellationToken)
    {
        // Configuration is read once: reloading it on change watches the working directory and everything under it,
        // where the SQLite journal lives by default, and would wake a watcher thread at every journal write.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var connections = new ConnectionLimit(options.MaxConnections, options.MaxConnectionsPerClient);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            k.Limits.MaxConcurrentUpgradedConnections = options.MaxUpgradedConnections;
            k.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            k.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
            k.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, options.MinRequestBodyGracePeriod);
            k.ConfigureEndpointDefaults(listen => listen.Use(next => connection => connections.OnConnectionAsync(connection, next)));
        });
        builder.Services.AddOrchestratorApi(options);

        var app = builder.Build();
        var system = node.Services.GetRequiredService<ActorSystem>();
        var region = node.Services.GetRequiredService<ActorRegistry>().Get<ConversationRegion>();
        // The API's own logging is off (stdout belongs to the command); its failures go to the node's log.
        app.MapOrchestratorApi(system, region, node.Client, node.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orchestrator.Api"));
        // The operator console under /ui, reading through the same /v1 bearer token.
        app.MapOperatorConsole(system, region);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            // Stopping raises ApplicationStopped, which stops the API's event hub on the node.
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
