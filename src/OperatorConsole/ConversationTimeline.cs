using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.OperatorConsole;

/// <summary>
/// A conversation's turns as the console draws them, folded from its journal (and, where this node sent the requests,
/// from its spans): each model response with how its request was sent and why, its tokens, bytes and latency, and
/// its tool calls with their start, duration and outcome. How a request was sent: <c>continued</c> (previous_response_id
/// and the new items), <c>full send</c> (the first request of a chain: a new conversation, or after a compaction or
/// a dropped input) or <c>full resend</c> (the chain existed but its cache was gone: a new process or connection,
/// previous_response_not_found, an error answering a continuation).
/// </summary>
public static class ConversationTimeline
{
    private const int MaxPreview = 400;

    public static TimelineView Of(string id, IReadOnlyList<JournalRow> rows, long omitted, IReadOnlyList<RequestSpan> requests, Func<string, ToolSpan?> tool)
    {
        var summary = ConversationSummary.Of(id, rows);
        var turns = new List<TimelineTurn>();
        TimelineTurn? turn = null;
        var chainStarted = false;
        string? newChainReason = "the conversation's first request";
        DateTimeOffset? previous = null;
        var used = new HashSet<RequestSpan>();
        var calls = new Dictionary<string, (TimelineToolCall Call, TimelineResponse Response)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            switch (row.Event)
            {
                case UserMessageAccepted message:
                    if (turn is null || turn.Ended is not null)
                    {
                        turn = new TimelineTurn(turns.Count + 1, row.Written);
                        turns.Add(turn);
                    }
                    turn.Messages.Add(Preview(message.Message.Text));
                    break;
                case ResponseRecorded response:
                    turn ??= Add(turns, row.Written);
                    var (sent, why) = response.SentInFull switch
                    {
                        false => ("continued", "the chain was warm: previous_response_id and the new items"),
                        true when chainStarted => ("full resend", "the chain's cache was gone (a new process or connection, previous_response_not_found, or an error answering a continuation)"),
                        true => ("full send", newChainReason ?? "a new chain"),
                        null => ("unknown", "written before the journal recorded how requests were sent"),
                    };
                    chainStarted = true;
                    newChainReason = null;
                    var span = Match(requests, used, row.Written);
                    var latency = span?.Duration.TotalMilliseconds ?? (previous is { } p ? (row.Written - p).TotalMilliseconds : (double?)null);
                    var recorded = new TimelineResponse(response.ResponseId, row.Written, sent, why, response.Usage?.InputTokens, response.Usage?.CachedTokens,
                        response.Usage?.OutputTokens, span?.Bytes, latency.HasValue ? Math.Round(latency.Value, 1) : null, span is not null ? "node" : "journal", [],
                        Preview(string.Concat(response.Output.Where(i => i.Type == ItemTypes.Message).Select(i => i.Text))));
                    foreach (var call in response.Output.Where(i => i.IsFunctionCall))
                    {
                        var callId = call.CallId ?? "";
                        var t = new TimelineToolCall(callId, call.Name ?? "?", Preview(call.Arguments ?? ""), row.Written, null, null, null, null);
                        recorded.ToolCalls.Add(t);
                        calls[callId] = (t, recorded);
                    }
                    turn.Responses.Add(recorded);
                    if (recorded.ToolCalls.Count == 0) turn.Ended = row.Written;
                    break;
                case ToolResultRecorded result:
                    if (calls.Remove(result.CallId, out var open))
                    {
                        var index = open.Response.ToolCalls.IndexOf(open.Call);
                        var exact = tool(result.CallId);
                        var started = exact?.Started ?? open.Call.Started;
                        var duration = exact?.Duration.TotalMilliseconds ?? (row.Written - open.Call.Started).TotalMilliseconds;
                        open.Response.ToolCalls[index] = open.Call with
                        {
                            Started = started,
                            Finished = row.Written,
                            DurationMs = Math.Round(duration, 1),
                            IsError = result.IsError,
                            Output = Preview(result.Output.Output ?? result.Output.Json.ToString()),
                        };
                    }
                    break;
                case TurnAbandoned abandoned:
                    if (turn is not null) (turn.Ended, turn.Outcome) = (row.Written, $"abandoned: {Preview(abandoned.Reason)}");
                    break;
                case TurnInputDropped dropped:
                    chainStarted = false;
                    newChainReason = "a new chain after the turn's input was dropped as too large";
                    if (turn is not null) (turn.Ended, turn.Outcome) = (row.Written, $"input dropped: {Preview(dropped.Reason)}");
                    break;
                case WindowCompacted compacted:
                    chainStarted = false;
                    newChainReason = $"a new chain after compacting the window at {compacted.InputTokensBefore} input tokens";
                    turn?.Notes.Add($"compacted at {compacted.InputTokensBefore} input tokens into {compacted.Window.Count} items");
                    break;
            }
            previous = row.Written;
        }
        return new TimelineView(summary, omitted, turns);
    }

    private static TimelineTurn Add(List<TimelineTurn> turns, DateTimeOffset at)
    {
        var turn = new TimelineTurn(turns.Count + 1, at);
        turns.Add(turn);
        return turn;
    }

    /// <summary>The request of this node whose response ended when the journal recorded it: the latest started before, still running or just ended.</summary>
    private static RequestSpan? Match(IReadOnlyList<RequestSpan> requests, HashSet<RequestSpan> used, DateTimeOffset recorded)
    {
        RequestSpan? best = null;
        foreach (var r in requests)
        {
            if (used.Contains(r) || r.Outcome is "retried" or "failed") continue;
            if (r.Started <= recorded && recorded <= r.Started + r.Duration + TimeSpan.FromSeconds(2)) best = r;
        }
        if (best is not null) used.Add(best);
        return best;
    }

    private static string Preview(string text) => text.Length <= MaxPreview ? text : text[..(MaxPreview - 1)] + "…";
}

public sealed record TimelineView(ConversationSummary Summary, long OmittedEvents, IReadOnlyList<TimelineTurn> Turns);

public sealed class TimelineTurn(int number, DateTimeOffset started)
{
    public int Number { get; } = number;
    public DateTimeOffset Started { get; } = started;
    public DateTimeOffset? Ended { get; set; }
    public string? Outcome { get; set; }
    public List<string> Messages { get; } = [];
    public List<TimelineResponse> Responses { get; } = [];
    public List<string> Notes { get; } = [];
}

/// <param name="Source"><c>node</c> when this node's span gave the bytes and latency; <c>journal</c> when the latency is the time since the previous event.</param>
public sealed record TimelineResponse(
    string ResponseId,
    DateTimeOffset Recorded,
    string Sent,
    string Why,
    long? InputTokens,
    long? CachedTokens,
    long? OutputTokens,
    int? Bytes,
    double? LatencyMs,
    string Source,
    List<TimelineToolCall> ToolCalls,
    string Text);

public sealed record TimelineToolCall(string CallId, string Name, string Arguments, DateTimeOffset Started, DateTimeOffset? Finished, double? DurationMs, bool? IsError, string? Output);
