using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orchestrator.Actors.Conversation;

namespace Orchestrator.Actors.Diagnostics;

/// <summary>
/// The engine's own cost around each model round trip, as <see cref="System.Diagnostics.Metrics"/> instruments on the
/// meter <see cref="MeterName"/>, so that the bench (a <see cref="MeterListener"/>), dotnet-counters or OpenTelemetry can
/// read them. Recording is a no-op while nobody listens. The meter is process-wide: every node in a process records
/// into the same instruments.
/// </summary>
public static class EngineMetrics
{
    public const string MeterName = "Orchestrator";

    /// <summary>Milliseconds from the conversation receiving the last tool result of a round to handing the next <c>response.create</c> to its socket (persisting the result included).</summary>
    public const string ToolResultsToRequest = "orchestrator.overhead.tool_results_to_request";

    /// <summary>Milliseconds from the conversation receiving <c>response.completed</c> to its tool calls being dispatched (persisting the response included).</summary>
    public const string ResponseToTools = "orchestrator.overhead.response_to_tools";

    /// <summary>Bytes of each <c>response.create</c>, tagged with <see cref="KindTag"/> and <see cref="PositionTag"/>.</summary>
    public const string RequestBytes = "orchestrator.request.bytes";

    /// <summary><c>continuation</c> or <c>full</c>.</summary>
    public const string KindTag = "kind";

    /// <summary>
    /// <c>first</c> for the request carrying the user message, <c>later</c> for those carrying tool outputs. Not the
    /// index in the turn: a client's message decides how many rounds a turn has, and each index would be a series of its own.
    /// </summary>
    public const string PositionTag = "position";

    /// <summary>
    /// A meter of its own for measurements whose tags are not bounded, left out of <see cref="MeterName"/> so that an
    /// exporter of that meter never sees them; an in-process listener (the bench) enables it by name.
    /// </summary>
    public const string DetailMeterName = "Orchestrator.Detail";

    /// <summary>On <see cref="DetailMeterName"/>: bytes of each <c>response.create</c>, tagged with <see cref="KindTag"/> and <see cref="IndexTag"/>.</summary>
    public const string RequestBytesByIndex = "orchestrator.request.bytes_by_index";

    /// <summary>The request's position in its user turn: 0 for the request carrying the user message, 1 for the first tool outputs, …</summary>
    public const string IndexTag = "index";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Meter DetailMeter = new(DetailMeterName);
    private static readonly Histogram<double> ToolResultsToRequestMs = Meter.CreateHistogram(ToolResultsToRequest, "ms", null, null, HistogramBuckets.Milliseconds);
    private static readonly Histogram<double> ResponseToToolsMs = Meter.CreateHistogram(ResponseToTools, "ms", null, null, HistogramBuckets.Milliseconds);
    private static readonly Histogram<int> RequestSize = Meter.CreateHistogram(RequestBytes, "By", null, null, HistogramBuckets.Bytes);
    private static readonly Histogram<int> RequestSizeByIndex = DetailMeter.CreateHistogram(RequestBytesByIndex, "By", null, null, HistogramBuckets.Bytes);

    /// <param name="received">The <see cref="Stopwatch.GetTimestamp"/> at which the last tool result arrived.</param>
    public static void RequestSentAfterToolResults(long received) =>
        ToolResultsToRequestMs.Record(Stopwatch.GetElapsedTime(received).TotalMilliseconds);

    /// <param name="received">The <see cref="Stopwatch.GetTimestamp"/> at which <c>response.completed</c> arrived.</param>
    public static void ToolsDispatchedAfterResponse(long received) =>
        ResponseToToolsMs.Record(Stopwatch.GetElapsedTime(received).TotalMilliseconds);

    public static void RequestSent(SendKind kind, int bytes, int index)
    {
        // Tags box and allocate: only pay for them while someone listens.
        var continuation = new KeyValuePair<string, object?>(KindTag, kind == SendKind.Continuation ? "continuation" : "full");
        if (RequestSize.Enabled) RequestSize.Record(bytes, continuation, new KeyValuePair<string, object?>(PositionTag, index == 0 ? "first" : "later"));
        if (RequestSizeByIndex.Enabled) RequestSizeByIndex.Record(bytes, continuation, new KeyValuePair<string, object?>(IndexTag, index));
    }
}
