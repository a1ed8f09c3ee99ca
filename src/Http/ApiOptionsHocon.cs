using Akka.Configuration;
using Akka.Hosting;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Http;

/// <summary>
/// <see cref="ApiOptions"/> written back as the HOCON they bind from, as <see cref="SettingsHocon"/> does for the node's
/// settings (SettingsRoundTripTests).
/// </summary>
public static class ApiOptionsHocon
{
    /// <summary>The <c>orchestrator.api</c> keys; the token and the exporters are the environment's, not settings.</summary>
    public static Config ToHocon(this ApiOptions a) => ConfigurationFactory.ParseString(Text(a));

    private static string Text(ApiOptions a) => SettingsHocon.Hocon("orchestrator.api",
        ("max-connections", a.MaxConnections.ToHocon()),
        ("max-connections-per-client", a.MaxConnectionsPerClient.ToHocon()),
        ("max-upgraded-connections", a.MaxUpgradedConnections.ToHocon()),
        ("request-headers-timeout", SettingsHocon.Duration(a.RequestHeadersTimeout)),
        ("keep-alive-timeout", SettingsHocon.Duration(a.KeepAliveTimeout)),
        ("max-request-body", a.MaxRequestBytes.ToHocon()),
        ("min-request-body-rate", a.MinRequestBodyBytesPerSecond.ToHocon()),
        ("min-request-body-rate-grace", SettingsHocon.Duration(a.MinRequestBodyGracePeriod)),
        ("body-read-timeout", SettingsHocon.Duration(a.BodyReadTimeout)),
        ("rate-limit.requests-per-second", a.RequestsPerSecond.ToHocon()),
        ("rate-limit.burst", a.RequestBurst.ToHocon()),
        ("max-instructions-bytes", a.MaxInstructionsBytes.ToHocon()),
        ("event-buffer-size", a.EventBufferSize.ToHocon()),
        ("event-retention", SettingsHocon.Duration(a.EventRetention)),
        ("event-buffers-max-bytes", a.EventBuffersMaxBytes.ToHocon()),
        ("heartbeat", SettingsHocon.Duration(a.Heartbeat)));
}
