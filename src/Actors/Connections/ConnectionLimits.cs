using Akka.Configuration;
using Orchestrator.Actors.Settings;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// The <c>orchestrator.connections</c> settings of a node (<c>hocon/engine.conf</c> documents each key): what
/// <see cref="EndpointSettings"/> holds besides the endpoint and its key.
/// </summary>
public sealed record ConnectionLimits
{
    /// <summary>The reference configuration's limits; <see cref="EndpointSettings"/> starts from them.</summary>
    public static ConnectionLimits Reference { get; } = new();

    /// <summary>The reference configuration's limits.</summary>
    public ConnectionLimits() : this(ConfigurationFactory.Empty)
    {
    }

    /// <summary>The <c>orchestrator.connections</c> keys of <paramref name="config"/>, the reference's where it has none.</summary>
    public ConnectionLimits(Config config)
    {
        var c = EngineReference.Reader(config, "orchestrator.connections");
        MaxSockets = c.Positive("max-sockets");
        MaxQueuedLeases = c.Positive("max-queued-leases");
        ConnectTimeout = c.Duration("connect-timeout");
        MinBackoff = c.Duration("min-backoff");
        MaxBackoff = c.Duration("max-backoff");
        LanesPerConnection = c.Int("lanes-per-connection", 1, 32);
        MaxInFlightPerConnection = c.Int("max-in-flight-per-connection", 1, 16);
        MaxAge = c.Duration("max-age");
        MaxAgeJitter = Math.Clamp(c.Double("max-age-jitter"), 0, 0.5);
        MaxDrain = c.Duration("max-drain");
        MaxConnecting = c.Positive("max-connecting");
        IdleTimeout = c.PositiveDuration("idle-timeout");
        LeaseWaitWarningInterval = c.Duration("lease-wait-warning-interval");
        ResponseIdleTimeout = c.Limit("response-idle-timeout");
        ResponseTimeout = c.Limit("response-timeout");
        MaxFrameBytes = (int)Math.Min(int.MaxValue, c.Bytes("max-frame-bytes"));
        Transport = TransportModes.Parse(c, "transport");
        FallbackAfterFailedConnects = c.Positive("fallback-after-failed-connects");
        FallbackCoolDown = c.PositiveDuration("fallback-cool-down");
        MaxHttpRequests = c.Positive("max-http-requests");
    }

    public int MaxSockets { get; init; }
    public int MaxQueuedLeases { get; init; }
    public TimeSpan ConnectTimeout { get; init; }
    public TimeSpan MinBackoff { get; init; }
    public TimeSpan MaxBackoff { get; init; }
    public int LanesPerConnection { get; init; }
    public int MaxInFlightPerConnection { get; init; }
    public TimeSpan MaxAge { get; init; }
    public double MaxAgeJitter { get; init; }
    public TimeSpan MaxDrain { get; init; }
    public int MaxConnecting { get; init; }
    public TimeSpan IdleTimeout { get; init; }
    public TimeSpan LeaseWaitWarningInterval { get; init; }
    /// <summary>See <see cref="EndpointSettings.ResponseIdleTimeout"/>; null: off.</summary>
    public TimeSpan? ResponseIdleTimeout { get; init; }
    /// <summary>See <see cref="EndpointSettings.ResponseTimeout"/>; null: off.</summary>
    public TimeSpan? ResponseTimeout { get; init; }
    /// <summary>See <see cref="EndpointSettings.MaxFrameBytes"/>.</summary>
    public int MaxFrameBytes { get; init; }
    /// <summary>See <see cref="EndpointSettings.Transport"/>.</summary>
    public TransportMode Transport { get; init; }
    /// <summary>See <see cref="EndpointSettings.FallbackAfterFailedConnects"/>.</summary>
    public int FallbackAfterFailedConnects { get; init; }
    /// <summary>See <see cref="EndpointSettings.FallbackCoolDown"/>.</summary>
    public TimeSpan FallbackCoolDown { get; init; }
    /// <summary>See <see cref="EndpointSettings.MaxHttpRequests"/>.</summary>
    public int MaxHttpRequests { get; init; }
}
