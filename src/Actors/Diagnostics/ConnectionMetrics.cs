using System.Diagnostics.Metrics;

namespace Orchestrator.Actors.Diagnostics;

/// <summary>
/// What the connection layer and the conversations' chain handling do, on the <see cref="EngineMetrics.MeterName"/>
/// meter: gauges as up-down counters (open sockets, lanes in use, responses in flight, lease queue depth), counters
/// for sends, cache misses, chain resets, retries, retirements, idle closes, reconnects and 429 pauses, and a histogram
/// of the time lease requests wait. Lanes in use is the number of turns holding a lane: its running sum's maximum is
/// the peak of turns in flight. The continuation ratio is
/// <c>orchestrator.requests{kind=continuation}</c> over all <c>orchestrator.requests</c>; the first request of a
/// conversation can never continue, so the ratio among the requests that could is continuations over continuations
/// plus <c>orchestrator.cache.misses</c>. The transport an endpoint leases on is a gauge per endpoint and transport
/// (1 on the one in use, 0 on the other), each switch a count by its reason, and the HTTP requests in flight a gauge.
/// </summary>
public static class ConnectionMetrics
{
    public const string Requests = "orchestrator.requests";
    public const string CacheMisses = "orchestrator.cache.misses";
    public const string ChainResets = "orchestrator.chain.resets";
    public const string Retries = "orchestrator.retries";
    public const string OpenSockets = "orchestrator.sockets.open";
    public const string LanesInUse = "orchestrator.lanes.in_use";
    public const string InFlight = "orchestrator.responses.in_flight";
    public const string QueueDepth = "orchestrator.leases.queued";
    public const string Retirements = "orchestrator.sockets.retirements";
    public const string Reconnects = "orchestrator.sockets.reconnects";
    public const string Pauses = "orchestrator.endpoint.pauses";
    public const string LeaseWait = "orchestrator.connections.lease.wait";
    public const string IdleClosed = "orchestrator.sockets.idle_closed";
    public const string TransportInUse = "orchestrator.transport.in_use";
    public const string TransportSwitches = "orchestrator.transport.switches";
    public const string HttpInFlight = "orchestrator.http.requests.in_flight";
    public const string ReasonTag = "reason";
    public const string TransportTag = "transport";
    public const string EndpointTag = "endpoint";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly Counter<long> RequestCount = Meter.CreateCounter<long>(Requests, description: "response.create sent, by kind (continuation or full)");
    private static readonly Counter<long> CacheMissCount = Meter.CreateCounter<long>(CacheMisses, description: "full sends of a chain that had a response: its cache was gone");
    private static readonly Counter<long> ChainResetCount = Meter.CreateCounter<long>(ChainResets, description: "chains restarted, by reason");
    private static readonly Counter<long> RetryCount = Meter.CreateCounter<long>(Retries, description: "requests sent again, by reason");
    private static readonly UpDownCounter<long> OpenSocketCount = Meter.CreateUpDownCounter<long>(OpenSockets);
    private static readonly UpDownCounter<long> LaneCount = Meter.CreateUpDownCounter<long>(LanesInUse, "{lease}", "lanes leased: turns holding a lane, +1 per grant, -1 per release");
    private static readonly UpDownCounter<long> InFlightCount = Meter.CreateUpDownCounter<long>(InFlight);
    private static readonly UpDownCounter<long> QueuedCount = Meter.CreateUpDownCounter<long>(QueueDepth, "{request}", "lease requests waiting for a lane");
    private static readonly Counter<long> RetirementCount = Meter.CreateCounter<long>(Retirements);
    private static readonly Counter<long> ReconnectCount = Meter.CreateCounter<long>(Reconnects, description: "failed connection attempts followed by a backoff");
    private static readonly Counter<long> PauseCount = Meter.CreateCounter<long>(Pauses, description: "429 pauses of the endpoint");
    private static readonly Counter<long> IdleClosedCount = Meter.CreateCounter<long>(IdleClosed, description: "sockets closed because none of their lanes was held for the idle timeout");

    private static readonly UpDownCounter<long> TransportInUseCount = Meter.CreateUpDownCounter<long>(TransportInUse, "{endpoint}", "1 on the transport new turns of an endpoint lease on, by endpoint and transport");
    private static readonly Counter<long> TransportSwitchCount = Meter.CreateCounter<long>(TransportSwitches, description: "switches of an endpoint's new turns to another transport, by endpoint, transport and reason");
    private static readonly UpDownCounter<long> HttpInFlightCount = Meter.CreateUpDownCounter<long>(HttpInFlight, "{request}", "POST /responses requests in flight");

    /// <summary>From 1 ms (a grant at once is below it) to a minute (a node far too small for its load).</summary>
    private static readonly Histogram<double> LeaseWaitSeconds = Meter.CreateHistogram(
        LeaseWait,
        unit: "s",
        description: "time from a lease request to its grant",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    public static void RequestSent(bool continuation, bool cacheMiss)
    {
        RequestCount.Add(1, new KeyValuePair<string, object?>(EngineMetrics.KindTag, continuation ? "continuation" : "full"));
        if (cacheMiss) CacheMissCount.Add(1);
    }

    public static void ChainReset(string reason) => ChainResetCount.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));

    public static void Retried(string reason) => RetryCount.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));

    public static void SocketOpened() => OpenSocketCount.Add(1);

    public static void SocketClosed() => OpenSocketCount.Add(-1);

    public static void LaneLeased() => LaneCount.Add(1);

    public static void LaneFreed() => LaneCount.Add(-1);

    public static void ResponseStarted() => InFlightCount.Add(1);

    public static void ResponseEnded(int count = 1) => InFlightCount.Add(-count);

    public static void Queued(int delta) => QueuedCount.Add(delta);

    public static void Retired() => RetirementCount.Add(1);

    public static void ReconnectFailed() => ReconnectCount.Add(1);

    public static void Paused() => PauseCount.Add(1);

    public static void SocketIdleClosed() => IdleClosedCount.Add(1);

    public static void LeaseWaited(TimeSpan wait) => LeaseWaitSeconds.Record(wait.TotalSeconds);

    public static void HttpRequestStarted() => HttpInFlightCount.Add(1);

    public static void HttpRequestEnded(int count = 1) => HttpInFlightCount.Add(-count);

    /// <summary>The endpoint's manager starts leasing on <paramref name="transport"/> (+1), or stops (-1).</summary>
    public static void TransportUsed(string endpoint, string transport, int delta) =>
        TransportInUseCount.Add(delta, new KeyValuePair<string, object?>(EndpointTag, endpoint), new KeyValuePair<string, object?>(TransportTag, transport));

    public static void TransportSwitched(string endpoint, string transport, string reason) =>
        TransportSwitchCount.Add(
            1,
            new KeyValuePair<string, object?>(EndpointTag, endpoint),
            new KeyValuePair<string, object?>(TransportTag, transport),
            new KeyValuePair<string, object?>(ReasonTag, reason));
}
