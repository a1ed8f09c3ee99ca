using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using MinDataRate = Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Client;

namespace Orchestrator.Http;

/// <summary>The HTTP API of a running node: a Kestrel app beside the node's own host, started and stopped with it.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ActorSystem _system;
    private readonly IActorRef _events;

    private ApiHost(WebApplication app, ActorSystem system, IActorRef events, Uri address)
    {
        _app = app;
        _system = system;
        _events = events;
        Address = address;
    }

    /// <summary>The bound address (a port 0 in the URL is resolved).</summary>
    public Uri Address { get; }

    public static async Task<ApiHost> StartAsync(OrchestratorNode node, string url, ApiOptions options, CancellationToken cancellationToken)
    {
        var system = node.Services.GetRequiredService<ActorSystem>();
        var region = node.Services.GetRequiredService<ActorRegistry>().Get<ConversationRegion>();
        var events = system.ActorOf(ConversationEventHub.Props(region, options));
        try
        {
            // Configuration is read once: reloading it on change watches the working directory and everything under it,
            // where the SQLite journal lives by default, and woke a watcher thread at every journal write (2.4 % of a
            // restarting node's CPU, BENCHMARKS.md).
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
            builder.Services.Configure<JsonOptions>(o =>
            {
                o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
                o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
                o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            });
            builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblems.Describe);
            builder.Services.AddOpenApi();
            builder.Services.AddClientRateLimit(options);
            builder.Services.AddOrchestratorTelemetry(options.Telemetry);

            var app = builder.Build();
            // The API's own logging is off (stdout belongs to the command); its failures go to the node's log.
            var log = node.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orchestrator.Api");
            app.UseExceptionHandler(handler => handler.Run(context => ProblemForException(context, log)));
            app.UseStatusCodePages();
            app.UseBearerToken(options.Token);
            app.UseClientRateLimit(options);
            app.MapOpenApi();
            if (options.Telemetry.HasFlag(TelemetryExporters.Prometheus)) app.MapPrometheusScrapingEndpoint();
            app.MapConversationApi(node.Client, events, new NodeReadiness(system, TimeSpan.FromSeconds(5)), options);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ApiHost(app, system, events, new Uri(address));
        }
        catch
        {
            system.Stop(events);
            throw;
        }
    }

    /// <summary>Failures of the node, each with what the caller can do; a client's own mistake found late stays a 4xx.</summary>
    private static Task ProblemForException(HttpContext context, ILogger log)
    {
        var error = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
        if (error is BadHttpRequestException bad)
        {
            log.LogDebug("{Method} {Path}: bad request ({Status}): {Reason}", context.Request.Method, context.Request.Path, bad.StatusCode, bad.Message);
            return ApiProblems.Problem(bad.StatusCode, "Bad request", bad.Message).ExecuteAsync(context);
        }
        log.LogError(error, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
        var problem = error switch
        {
            ConversationUnavailableException e => ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Conversation unavailable", e.Message),
            TimeoutException or AskTimeoutException => ApiProblems.Problem(StatusCodes.Status504GatewayTimeout, "Timeout", $"{error.Message}; retry (with the same Idempotency-Key for messages)."),
            _ => ApiProblems.Problem(StatusCodes.Status500InternalServerError, "Internal error", "The node failed to handle the request; see its log."),
        };
        return problem.ExecuteAsync(context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _system.Stop(_events);
    }
}
