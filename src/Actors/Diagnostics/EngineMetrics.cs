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

    /// <summary>Bytes of each <c>response.create</c>, tagged with <see cref="KindTag"/> and <see cref="IndexTag"/>.</summary>
    public const string RequestBytes = "orchestrator.request.bytes";

    /// <summary><c>continuation</c> or <c>full</c>.</summary>
    public const string KindTag = "kind";

    /// <summary>The request's position in its user turn: 0 for the request carrying the user message, 1 for the first tool outputs, …</summary>
    public const string IndexTag = "index";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> ToolResultsToRequestMs = Meter.CreateHistogram<double>(ToolResultsToRequest, "ms");
    private static readonly Histogram<double> ResponseToToolsMs = Meter.CreateHistogram<double>(ResponseToTools, "ms");
    private static readonly Histogram<int> RequestSize = Meter.CreateHistogram<int>(RequestBytes, "By");

    /// <param name="received">The <see cref="Stopwatch.GetTimestamp"/> at which the last tool result arrived.</param>
    public static void RequestSentAfterToolResults(long received) =>
        ToolResultsToRequestMs.Record(Stopwatch.GetElapsedTime(received).TotalMilliseconds);

    /// <param name="received">The <see cref="Stopwatch.GetTimestamp"/> at which <c>response.completed</c> arrived.</param>
    public static void ToolsDispatchedAfterResponse(long received) =>
        ResponseToToolsMs.Record(Stopwatch.GetElapsedTime(received).TotalMilliseconds);

    public static void RequestSent(SendKind kind, int bytes, int index)
    {
        // Tags box and allocate: only pay for them while someone listens.
        if (!RequestSize.Enabled) return;
        RequestSize.Record(bytes, new KeyValuePair<string, object?>(KindTag, kind == SendKind.Continuation ? "continuation" : "full"), new KeyValuePair<string, object?>(IndexTag, index));
    }
}
