using Orchestrator.Actors.Settings;
using Orchestrator.Hosting.Configuration;
using Config = Akka.Configuration.Config;
using ConfigurationFactory = Akka.Configuration.ConfigurationFactory;

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

    /// <summary>The reference configuration's settings (<c>hocon/engine.conf</c>), no token and no telemetry.</summary>
    public ApiOptions() : this(ConfigurationFactory.Empty)
    {
    }

    /// <summary>The <c>orchestrator.api</c> keys of <paramref name="config"/>, the reference's where it has none; no token and no telemetry.</summary>
    public ApiOptions(Config config)
    {
        var a = EngineReference.Reader(config, "orchestrator.api");
        MaxRequestBytes = a.Bytes("max-request-body");
        EventBufferSize = a.Positive("event-buffer-size");
        EventBuffersMaxBytes = a.Bytes("event-buffers-max-bytes");
        EventRetention = a.Duration("event-retention");
        Heartbeat = a.PositiveDuration("heartbeat");
        MaxConnections = a.Positive("max-connections");
        MaxConnectionsPerClient = a.Positive("max-connections-per-client");
        MaxUpgradedConnections = a.Positive("max-upgraded-connections");
        RequestHeadersTimeout = a.Duration("request-headers-timeout");
        KeepAliveTimeout = a.Duration("keep-alive-timeout");
        MinRequestBodyBytesPerSecond = a.Double("min-request-body-rate");
        MinRequestBodyGracePeriod = MoreThanASecond(a.Duration("min-request-body-rate-grace"), a.Key("min-request-body-rate-grace"));
        BodyReadTimeout = a.Duration("body-read-timeout");
        RequestsPerSecond = Math.Max(0, a.Int("rate-limit.requests-per-second"));
        RequestBurst = a.Positive("rate-limit.burst");
        MaxInstructionsBytes = a.Positive("max-instructions-bytes");
    }

    /// <summary>Required bearer token; null leaves the API open (it listens on loopback only by default).</summary>
    public string? Token { get; init; }

    /// <summary>Largest request body, in bytes; larger ones get 413.</summary>
    public long MaxRequestBytes { get; init; }

    /// <summary>Updates kept per conversation for clients that reconnect with <c>Last-Event-ID</c>.</summary>
    public int EventBufferSize { get; init; }

    /// <summary>Bytes all conversations' replay buffers hold together; beyond it the oldest abandoned buffers go first.</summary>
    public long EventBuffersMaxBytes { get; init; }

    /// <summary>How long a conversation's replay buffer outlives its last SSE reader.</summary>
    public TimeSpan EventRetention { get; init; }

    /// <summary>Interval of SSE comment lines that keep idle streams open through proxies.</summary>
    public TimeSpan Heartbeat { get; init; }

    /// <summary>Exporters of traces and metrics; Prometheus adds <c>GET /metrics</c> to this API.</summary>
    public TelemetryExporters Telemetry { get; init; }

    /// <summary>Open HTTP connections (SSE streams included); a connection beyond them is answered 503 and closed.</summary>
    public int MaxConnections { get; init; }

    /// <summary>
    /// Open connections of one client (remote address) at most, so that one client cannot hold every place of
    /// <see cref="MaxConnections"/> (with idle streams, say) and shut the others out, probes included.
    /// </summary>
    public int MaxConnectionsPerClient { get; init; }

    /// <summary>Connections upgraded to another protocol (WebSocket); Kestrel counts them apart from <see cref="MaxConnections"/>.</summary>
    public int MaxUpgradedConnections { get; init; }

    /// <summary>Time a client has to send the request line and headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; init; }

    /// <summary>How long an idle keep-alive connection stays open.</summary>
    public TimeSpan KeepAliveTimeout { get; init; }

    /// <summary>A request body slower than this, after <see cref="MinRequestBodyGracePeriod"/>, is answered 408.</summary>
    public double MinRequestBodyBytesPerSecond { get; init; }

    public TimeSpan MinRequestBodyGracePeriod { get; init; }

    /// <summary>Time a client has to send a whole request body, however fast its bytes come; then 408.</summary>
    public TimeSpan BodyReadTimeout { get; init; }

    /// <summary>Requests per second one client (its bearer token, else its address) may sustain; 0 turns the limit off.</summary>
    public int RequestsPerSecond { get; init; }

    /// <summary>Requests one client may send at once above its rate (the token bucket's size).</summary>
    public int RequestBurst { get; init; }

    /// <summary>Longest <c>instructions</c> of a created conversation, in UTF-8 bytes.</summary>
    public int MaxInstructionsBytes { get; init; }

    /// <summary>Longest <c>Idempotency-Key</c> accepted.</summary>
    public const int MaxIdempotencyKeyLength = 256;

    /// <summary>The <c>orchestrator.api</c> keys of <paramref name="config"/>, the reference's where it has none, and the environment.</summary>
    public static ApiOptions FromConfig(Config config, Func<string, string?> environment)
    {
        try
        {
            return new ApiOptions(config)
            {
                Token = string.IsNullOrWhiteSpace(environment(TokenVariable)) ? null : environment(TokenVariable)!.Trim(),
                Telemetry = TelemetryExporterNames.Parse(environment(TelemetryExporterNames.Variable)),
            };
        }
        catch (SettingsException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    // Kestrel checks data rates once a second, so it takes no shorter grace period.
    private static TimeSpan MoreThanASecond(TimeSpan value, string key) =>
        value > TimeSpan.FromSeconds(1) ? value : throw new SettingsException($"{key} must be longer than 1s, not {value.TotalSeconds:0.###}s.");

    // The token is a credential: never part of any printed form of these options.
    public override string ToString() => $"ApiOptions {{ Token = {(Token is null ? "none" : "***")}, MaxRequestBytes = {MaxRequestBytes}, MaxConnections = {MaxConnections}, RequestsPerSecond = {RequestsPerSecond}, Telemetry = {Telemetry} }}";
}
