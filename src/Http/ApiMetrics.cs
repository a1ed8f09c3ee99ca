using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Http;

/// <summary>The HTTP API's bounds at work, on the <see cref="EngineMetrics.MeterName"/> meter.</summary>
public static class ApiMetrics
{
    public const string OpenConnections = "orchestrator.api.connections.open";
    public const string Rejections = "orchestrator.api.rejections";
    public const string EventBufferBytes = "orchestrator.api.event_buffers.bytes";
    public const string EventBufferEvictions = "orchestrator.api.event_buffers.evictions";

    /// <summary>Why a request or connection was refused: one of the constants below.</summary>
    public const string ReasonTag = "reason";

    public const string ConnectionLimit = "connection_limit";
    public const string RateLimit = "rate_limit";
    public const string SlowBody = "slow_body";
    public const string IdempotencyConflict = "idempotency_conflict";
    public const string InvalidSettings = "invalid_settings";

    /// <summary>What an eviction removed: a whole abandoned buffer, or the oldest event of a buffer still read.</summary>
    public const string KindTag = "kind";

    public const string EvictedBuffer = "buffer";
    public const string EvictedEvent = "event";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly UpDownCounter<int> Connections =
        Meter.CreateUpDownCounter<int>(OpenConnections, "{connection}", "HTTP connections the API holds open (bounded by orchestrator.api.max-connections).");
    private static readonly Counter<long> Rejected =
        Meter.CreateCounter<long>(Rejections, "{request}", "Connections and requests the API refused to stay within its bounds, by reason.");
    private static readonly UpDownCounter<long> BufferBytes =
        Meter.CreateUpDownCounter<long>(EventBufferBytes, "By", "Approximate bytes the SSE replay buffers hold (bounded by orchestrator.api.event-buffers-max-bytes).");
    private static readonly Counter<long> Evictions =
        Meter.CreateCounter<long>(EventBufferEvictions, "{eviction}", "Replay buffers or events dropped to stay within orchestrator.api.event-buffers-max-bytes, by kind.");

    internal static void ConnectionOpened() => Connections.Add(1);

    internal static void ConnectionClosed() => Connections.Add(-1);

    internal static void Refused(string reason) => Rejected.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));

    internal static void BufferBytesChanged(long delta) => BufferBytes.Add(delta);

    internal static void Evicted(string kind) => Evictions.Add(1, new KeyValuePair<string, object?>(KindTag, kind));
}
