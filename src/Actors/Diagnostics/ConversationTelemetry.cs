using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orchestrator.Actors.Diagnostics;

/// <summary>
/// Traces and metrics of conversations, under the same name as <see cref="EngineMetrics"/> ("Orchestrator"), so that
/// one <c>AddSource</c>/<c>AddMeter</c> picks up everything. Spans: <c>orchestrator.turn</c> with children
/// <c>orchestrator.model_response</c> (request handed to the socket → response recorded or failed) and
/// <c>orchestrator.tool</c> (dispatch → result recorded). Durations are in seconds, as OpenTelemetry conventions say.
/// Everything here is a no-op while nobody listens.
/// </summary>
public static class ConversationTelemetry
{
    public const string SourceName = EngineMetrics.MeterName;

    public const string TurnDuration = "orchestrator.turn.duration";
    public const string TimeToFirstToken = "orchestrator.turn.time_to_first_token";
    public const string ToolDuration = "orchestrator.tool.duration";
    public const string ModelResponseDuration = "orchestrator.model_response.duration";
    public const string RecoveryDuration = "orchestrator.conversation.recovery.duration";
    public const string JournalWriteDuration = "orchestrator.journal.write.duration";

    public const string ConversationIdTag = "orchestrator.conversation.id";
    public const string OutcomeTag = "orchestrator.outcome";
    public const string ToolNameTag = "gen_ai.tool.name";
    public const string ToolCallIdTag = "gen_ai.tool.call.id";
    public const string ModelTag = "gen_ai.request.model";
    public const string ResponseIdTag = "gen_ai.response.id";
    public const string RequestKindTag = "orchestrator.request.kind";
    public const string FromSnapshotTag = "orchestrator.recovery.from_snapshot";
    public const string EventTag = "orchestrator.journal.event";

    public static readonly ActivitySource Source = new(SourceName);

    // A second Meter instance of the same name: listeners select meters by name, so both are one "Orchestrator" meter to them.
    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly Histogram<double> Turns = Meter.CreateHistogram(TurnDuration, "s", "Duration of user turns, from accepting the message (or resuming) to the final answer or failure.", null, HistogramBuckets.Seconds);
    private static readonly Histogram<double> FirstToken = Meter.CreateHistogram(TimeToFirstToken, "s", "Time from the first request of a turn to its first streamed text.", null, HistogramBuckets.Seconds);
    private static readonly Histogram<double> Tools = Meter.CreateHistogram(ToolDuration, "s", "Duration of tool calls.", null, HistogramBuckets.Seconds);
    private static readonly Histogram<double> Recoveries = Meter.CreateHistogram(RecoveryDuration, "s", "Time from a conversation actor starting to its state being recovered from the journal (snapshot and events).", null, HistogramBuckets.Seconds);
    private static readonly Histogram<double> JournalWrites = Meter.CreateHistogram(JournalWriteDuration, "s", "Time from a conversation asking the journal to write events to the write being confirmed (queueing in the journal included).", null, HistogramBuckets.Seconds);
    private static readonly Histogram<double> ModelResponses = Meter.CreateHistogram(ModelResponseDuration, "s", "Time from handing a request to the socket to its response ending.", null, HistogramBuckets.Seconds);

    public static void TurnEnded(TimeSpan elapsed, bool completed) =>
        Turns.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(OutcomeTag, completed ? "completed" : "failed"));

    public static void FirstTokenAfter(TimeSpan elapsed) => FirstToken.Record(elapsed.TotalSeconds);

    /// <summary>The value of <see cref="ToolNameTag"/> for a call to a tool the node does not declare.</summary>
    public const string UndeclaredTool = "undeclared";

    /// <param name="declaredName">The tool's name when the node declares it; null for a name the model made up, which
    /// the metric records as <see cref="UndeclaredTool"/>, so that the set of names stays the node's.</param>
    public static void ToolEnded(string? declaredName, TimeSpan duration, bool isError) =>
        Tools.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(ToolNameTag, declaredName ?? UndeclaredTool), new KeyValuePair<string, object?>(OutcomeTag, isError ? "error" : "ok"));

    public static void ModelResponseEnded(TimeSpan duration, string outcome) =>
        ModelResponses.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    public static void Recovered(TimeSpan duration, bool fromSnapshot) =>
        Recoveries.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(FromSnapshotTag, fromSnapshot));

    /// <param name="started">The <see cref="Stopwatch.GetTimestamp"/> at which the write was asked for.</param>
    /// <param name="what">What was written: <c>user_message</c>, <c>response</c> or <c>tool_results</c>.</param>
    public static void JournalWritten(long started, string what) =>
        JournalWrites.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(EventTag, what));
}
