using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Hosting.Client;

namespace Orchestrator.Http;

/// <summary>
/// The HTTP API in any ASP.NET Core app: <c>builder.Services.AddOrchestratorApi(options)</c>, then
/// <c>app.MapOrchestratorApi(system, region, client)</c> with a running node's actor system, conversation region and
/// client (<see cref="ApiHost"/> serves a node that way, on a Kestrel app of its own).
/// </summary>
public static class OrchestratorApiExtensions
{
    /// <summary>What the API's endpoints use: its options, JSON as it writes it, problem details, OpenAPI, the per-client rate limiter, telemetry.</summary>
    public static IServiceCollection AddOrchestratorApi(this IServiceCollection services, ApiOptions options)
    {
        services.AddSingleton(options);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblems.Describe);
        services.AddOpenApi();
        services.AddClientRateLimit(options);
        services.AddOrchestratorTelemetry(options.Telemetry);
        return services;
    }

    /// <summary>
    /// The API's middleware (problem+json for failures, bearer token, rate limit) and endpoints (conversations, SSE
    /// events, health, OpenAPI, Prometheus when chosen). The events' hub lives as long as the app.
    /// </summary>
    /// <param name="log">Where the API's failures go; default: the app's logger "Orchestrator.Api".</param>
    public static WebApplication MapOrchestratorApi(this WebApplication app, ActorSystem system, IActorRef region, ConversationClient client, ILogger? log = null)
    {
        var options = app.Services.GetRequiredService<ApiOptions>();
        log ??= app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orchestrator.Api");
        var events = system.ActorOf(ConversationEventHub.Props(region, options));
        app.Lifetime.ApplicationStopped.Register(() => system.Stop(events));
        app.UseExceptionHandler(handler => handler.Run(context => ProblemForException(context, log)));
        app.UseStatusCodePages();
        app.UseBearerToken(options.Token);
        app.UseClientRateLimit(options);
        app.MapOpenApi();
        if (options.Telemetry.HasFlag(TelemetryExporters.Prometheus)) app.MapPrometheusScrapingEndpoint();
        app.MapConversationApi(client, events, new NodeReadiness(system, TimeSpan.FromSeconds(5)), options);
        return app;
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
}
