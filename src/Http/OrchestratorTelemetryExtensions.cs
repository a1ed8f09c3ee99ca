using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Http;

/// <summary>OpenTelemetry wiring: the engine's spans and instruments, and the exporters the operator chose.</summary>
public static class OrchestratorTelemetryExtensions
{
    /// <summary>For applications with their own OpenTelemetry set-up: adds the engine's spans.</summary>
    public static TracerProviderBuilder AddOrchestratorInstrumentation(this TracerProviderBuilder builder) =>
        builder.AddSource(ConversationTelemetry.SourceName);

    /// <summary>For applications with their own OpenTelemetry set-up: adds the engine's instruments.</summary>
    public static MeterProviderBuilder AddOrchestratorInstrumentation(this MeterProviderBuilder builder) =>
        builder.AddMeter(EngineMetrics.MeterName);

    /// <summary>Traces and metrics to the chosen exporters; nothing at all for <see cref="TelemetryExporters.None"/>.</summary>
    public static IServiceCollection AddOrchestratorTelemetry(this IServiceCollection services, TelemetryExporters exporters)
    {
        if (exporters == TelemetryExporters.None) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orchestrator"))
            .WithTracing(tracing =>
            {
                tracing.AddOrchestratorInstrumentation();
                if (exporters.HasFlag(TelemetryExporters.Console)) tracing.AddConsoleExporter();
                if (exporters.HasFlag(TelemetryExporters.Otlp)) tracing.AddOtlpExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddOrchestratorInstrumentation();
                if (exporters.HasFlag(TelemetryExporters.Console)) metrics.AddConsoleExporter();
                if (exporters.HasFlag(TelemetryExporters.Otlp)) metrics.AddOtlpExporter();
                // Scrapes see the current values: no cached response.
                if (exporters.HasFlag(TelemetryExporters.Prometheus)) metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        return services;
    }
}
