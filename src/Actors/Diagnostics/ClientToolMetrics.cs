using System.Diagnostics.Metrics;

namespace Orchestrator.Actors.Diagnostics;

/// <summary>
/// Calls that conversations' clients run, on the <see cref="EngineMetrics.MeterName"/> meter: calls offered
/// (tool.required, first time only) and posted results by outcome (recorded, duplicate, or the refusal's code), and
/// calls answered with an error because their client did not post in time.
/// </summary>
public static class ClientToolMetrics
{
    public const string CallsOffered = "orchestrator.client_tools.offered";
    public const string ResultsPosted = "orchestrator.client_tools.results";
    public const string CallsTimedOut = "orchestrator.client_tools.timed_out";
    public const string OutcomeTag = "outcome";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly Counter<long> OfferedCount = Meter.CreateCounter<long>(CallsOffered, description: "calls offered to the clients that run them (tool.required), once per call");
    private static readonly Counter<long> ResultCount = Meter.CreateCounter<long>(ResultsPosted, description: "results posted by clients, by outcome (recorded, duplicate, unknown_call, already_answered, not_client_call, invalid)");
    private static readonly Counter<long> TimedOutCount = Meter.CreateCounter<long>(CallsTimedOut, description: "client calls answered with a timed_out error output (orchestrator.conversation.client-tool-timeout)");

    public static void Offered(int calls) => OfferedCount.Add(calls);

    public static void Result(string outcome) => ResultCount.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    public static void TimedOut(int calls) => TimedOutCount.Add(calls);
}
