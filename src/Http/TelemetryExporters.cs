using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Http;

/// <summary>Where traces and metrics go, chosen by the operator (<c>ORCHESTRATOR_TELEMETRY=console,otlp,prometheus</c>).</summary>
[Flags]
public enum TelemetryExporters
{
    None = 0,
    /// <summary>Spans and metrics printed to stdout (development).</summary>
    Console = 1,
    /// <summary>OTLP to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (default http://localhost:4317), read by the exporter itself.</summary>
    Otlp = 2,
    /// <summary>Metrics scraped from <c>GET /metrics</c> on the HTTP API.</summary>
    Prometheus = 4,
}

public static class TelemetryExporterNames
{
    public const string Variable = "ORCHESTRATOR_TELEMETRY";

    public static TelemetryExporters Parse(string? value)
    {
        var exporters = TelemetryExporters.None;
        foreach (var name in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            exporters |= name.ToLowerInvariant() switch
            {
                "console" => TelemetryExporters.Console,
                "otlp" => TelemetryExporters.Otlp,
                "prometheus" => TelemetryExporters.Prometheus,
                "none" => TelemetryExporters.None,
                _ => throw new ConfigurationException($"{Variable}: unknown exporter '{name}'; use a comma-separated list of console, otlp, prometheus."),
            };
        }
        return exporters;
    }
}
