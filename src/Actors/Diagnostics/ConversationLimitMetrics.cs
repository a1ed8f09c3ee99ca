using System.Diagnostics.Metrics;

namespace Orchestrator.Actors.Diagnostics;

/// <summary>
/// How often the conversations' bounds act, on the <see cref="EngineMetrics.MeterName"/> meter: messages refused
/// (queue full, queue or message too large), turns ended at a per-turn cap, requests the server refused as too large
/// (and what came of them), and compactions skipped because the turn had used its allowance.
/// </summary>
public static class ConversationLimitMetrics
{
    public const string MessagesRefused = "orchestrator.messages.refused";
    public const string TurnsCapped = "orchestrator.turns.capped";
    public const string RequestsTooLarge = "orchestrator.requests.too_large";
    public const string CompactionsSkipped = "orchestrator.compactions.skipped";
    public const string CodeTag = "code";
    public const string CapTag = "cap";
    public const string OutcomeTag = "outcome";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly Counter<long> RefusedCount = Meter.CreateCounter<long>(MessagesRefused, description: "user messages refused before they were persisted, by code (queue_full, queue_too_large, message_too_large)");
    private static readonly Counter<long> CappedCount = Meter.CreateCounter<long>(TurnsCapped, description: "turns ended at a per-turn cap, by cap (rounds, tool_calls)");
    private static readonly Counter<long> TooLargeCount = Meter.CreateCounter<long>(RequestsTooLarge, description: "requests the server refused as too large, by outcome (compacted: sent again compacted; dropped: the turn failed and its input left the window)");
    private static readonly Counter<long> SkippedCount = Meter.CreateCounter<long>(CompactionsSkipped, description: "compactions due but not run: the turn had compacted max-compactions-per-turn times");

    public static void MessageRefused(string code) => RefusedCount.Add(1, new KeyValuePair<string, object?>(CodeTag, code));

    public static void TurnCapped(string cap) => CappedCount.Add(1, new KeyValuePair<string, object?>(CapTag, cap));

    public static void RequestTooLarge(string outcome) => TooLargeCount.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    public static void CompactionSkipped() => SkippedCount.Add(1);
}
