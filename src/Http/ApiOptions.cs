using Config = Akka.Configuration.Config;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Http;

/// <summary>
/// Settings of the HTTP API (the node's settings are in <see cref="Configuration.OrchestratorSettings"/>): the
/// <c>orchestrator.api</c> block of <c>hocon/engine.conf</c>, where every key is commented, plus the token and the
/// telemetry exporters from the environment.
/// </summary>
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

    /// <summary>Bytes all conversations' replay buffers hold together; beyond it the oldest abandoned buffers go first.</summary>
    public long EventBuffersMaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How long a conversation's replay buffer outlives its last SSE reader.</summary>
    public TimeSpan EventRetention { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Interval of SSE comment lines that keep idle streams open through proxies.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Exporters of traces and metrics; Prometheus adds <c>GET /metrics</c> to this API.</summary>
    public TelemetryExporters Telemetry { get; init; }

    /// <summary>Open HTTP connections (SSE streams included); a connection beyond them is answered 503 and closed.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>
    /// Open connections of one client (remote address) at most, so that one client cannot hold every place of
    /// <see cref="MaxConnections"/> (with idle streams, say) and shut the others out, probes included.
    /// </summary>
    public int MaxConnectionsPerClient { get; init; } = 100;

    /// <summary>Connections upgraded to another protocol (WebSocket); Kestrel counts them apart from <see cref="MaxConnections"/>.</summary>
    public int MaxUpgradedConnections { get; init; } = 100;

    /// <summary>Time a client has to send the request line and headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle keep-alive connection stays open.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A request body slower than this, after <see cref="MinRequestBodyGracePeriod"/>, is answered 408.</summary>
    public double MinRequestBodyBytesPerSecond { get; init; } = 240;

    public TimeSpan MinRequestBodyGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time a client has to send a whole request body, however fast its bytes come; then 408.</summary>
    public TimeSpan BodyReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second one client (its bearer token, else its address) may sustain; 0 turns the limit off.</summary>
    public int RequestsPerSecond { get; init; } = 500;

    /// <summary>Requests one client may send at once above its rate (the token bucket's size).</summary>
    public int RequestBurst { get; init; } = 1000;

    /// <summary>Longest <c>instructions</c> of a created conversation, in UTF-8 bytes.</summary>
    public int MaxInstructionsBytes { get; init; } = 64 * 1024;

    /// <summary>Longest <c>Idempotency-Key</c> accepted.</summary>
    public const int MaxIdempotencyKeyLength = 256;

    /// <summary>The <c>orchestrator.api</c> block of <paramref name="config"/> (defaults where a key is missing), and the environment.</summary>
    public static ApiOptions FromConfig(Config config, Func<string, string?> environment)
    {
        var a = config.GetConfig("orchestrator.api") ?? Config.Empty;
        var defaults = new ApiOptions();
        return new ApiOptions
        {
            Token = string.IsNullOrWhiteSpace(environment(TokenVariable)) ? null : environment(TokenVariable)!.Trim(),
            Telemetry = TelemetryExporterNames.Parse(environment(TelemetryExporterNames.Variable)),
            MaxRequestBytes = Positive(a.GetByteSize("max-request-body", defaults.MaxRequestBytes) ?? defaults.MaxRequestBytes, "max-request-body"),
            EventBufferSize = (int)Positive(a.GetInt("event-buffer-size", defaults.EventBufferSize), "event-buffer-size"),
            EventBuffersMaxBytes = Positive(a.GetByteSize("event-buffers-max-bytes", defaults.EventBuffersMaxBytes) ?? defaults.EventBuffersMaxBytes, "event-buffers-max-bytes"),
            EventRetention = a.GetTimeSpan("event-retention", defaults.EventRetention),
            MaxConnections = (int)Positive(a.GetInt("max-connections", defaults.MaxConnections), "max-connections"),
            MaxConnectionsPerClient = (int)Positive(a.GetInt("max-connections-per-client", defaults.MaxConnectionsPerClient), "max-connections-per-client"),
            MaxUpgradedConnections = (int)Positive(a.GetInt("max-upgraded-connections", defaults.MaxUpgradedConnections), "max-upgraded-connections"),
            RequestHeadersTimeout = a.GetTimeSpan("request-headers-timeout", defaults.RequestHeadersTimeout),
            KeepAliveTimeout = a.GetTimeSpan("keep-alive-timeout", defaults.KeepAliveTimeout),
            MinRequestBodyBytesPerSecond = a.GetDouble("min-request-body-rate", defaults.MinRequestBodyBytesPerSecond),
            MinRequestBodyGracePeriod = MoreThanASecond(a.GetTimeSpan("min-request-body-rate-grace", defaults.MinRequestBodyGracePeriod), "min-request-body-rate-grace"),
            BodyReadTimeout = a.GetTimeSpan("body-read-timeout", defaults.BodyReadTimeout),
            RequestsPerSecond = Math.Max(0, a.GetInt("rate-limit.requests-per-second", defaults.RequestsPerSecond)),
            RequestBurst = (int)Positive(a.GetInt("rate-limit.burst", defaults.RequestBurst), "rate-limit.burst"),
            MaxInstructionsBytes = (int)Positive(a.GetInt("max-instructions-bytes", defaults.MaxInstructionsBytes), "max-instructions-bytes"),
        };
    }

    // Kestrel checks data rates once a second, so it takes no shorter grace period.
    private static TimeSpan MoreThanASecond(TimeSpan value, string key) =>
        value > TimeSpan.FromSeconds(1) ? value : throw new ConfigurationException($"orchestrator.api.{key} must be longer than 1s, not {value.TotalSeconds:0.###}s.");

    private static long Positive(long value, string key) =>
        value > 0 ? value : throw new ConfigurationException($"orchestrator.api.{key} must be positive, not {value}.");

    // The token is a credential: never part of any printed form of these options.
    public override string ToString() => $"ApiOptions {{ Token = {(Token is null ? "none" : "***")}, MaxRequestBytes = {MaxRequestBytes}, MaxConnections = {MaxConnections}, RequestsPerSecond = {RequestsPerSecond}, Telemetry = {Telemetry} }}";
}
