using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Api;

/// <summary>Settings of the HTTP API (the node's settings are in <see cref="Configuration.OrchestratorSettings"/>).</summary>
public sealed record ApiOptions
{
    /// <summary>The environment variable whose value, when set, every <c>/v1</c> request must present as <c>Authorization: Bearer …</c>.</summary>
    public const string TokenVariable = "ORCHESTRATOR_API_TOKEN";

    /// <summary>Required bearer token; null leaves the API open (it listens on loopback only by default).</summary>
    public string? Token { get; init; }

    /// <summary>Largest request body, in bytes; larger ones get 413.</summary>
    public long MaxRequestBytes { get; init; } = 1024 * 1024;

    /// <summary>Updates kept per conversation for clients that reconnect with <c>Last-Event-ID</c>.</summary>
    public int EventBufferSize { get; init; } = 4096;

    /// <summary>How long a conversation's replay buffer outlives its last SSE reader.</summary>
    public TimeSpan EventRetention { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Interval of SSE comment lines that keep idle streams open through proxies.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Exporters of traces and metrics; Prometheus adds <c>GET /metrics</c> to this API.</summary>
    public TelemetryExporters Telemetry { get; init; }

    /// <summary>Longest <c>Idempotency-Key</c> accepted.</summary>
    public const int MaxIdempotencyKeyLength = 256;

    public static ApiOptions FromEnvironment(Func<string, string?> environment) => new()
    {
        Token = string.IsNullOrWhiteSpace(environment(TokenVariable)) ? null : environment(TokenVariable)!.Trim(),
        Telemetry = TelemetryExporterNames.Parse(environment(TelemetryExporterNames.Variable)),
    };

    // The token is a credential: never part of any printed form of these options.
    public override string ToString() => $"ApiOptions {{ Token = {(Token is null ? "none" : "***")}, MaxRequestBytes = {MaxRequestBytes}, Telemetry = {Telemetry} }}";
}
