using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Cli;

/// <summary>One journal entry of a conversation, with the time it was written.</summary>
public sealed record JournalEntry(long SequenceNr, DateTimeOffset Written, IPersistedEvent Event);

/// <summary>
/// The lines <c>inspect</c> prints for a conversation's journal: turns, response ids with how their request was sent
/// (a continuation, a full send, or a full resend after the chain was lost: a chain reset), tool calls with how long
/// they took (from the response that asked for them to their recorded result), abandoned turns and compactions.
/// </summary>
public static class ConversationHistory
{
    private const int MaxShown = 120;

    public static IReadOnlyList<string> Describe(string conversationId, IReadOnlyList<JournalEntry> entries)
    {
        var lines = new List<string>();
        var calls = new Dictionary<string, (string Name, DateTimeOffset Asked)>();
        var turn = 0;
        var turnOpen = false;
        var chainStarted = false;
        foreach (var entry in entries)
        {
            var at = $"{entry.Written.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}";
            switch (entry.Event)
            {
                case ConversationStarted started:
                    lines.Add($"conversation {conversationId} · model {started.Settings.Model}{(started.Settings.Store ? " · store" : "")}"
                              + (started.Settings.Instructions is { } instructions ? $" · instructions \"{Shorten(instructions)}\"" : "")
                              + $" · created {at}Z");
                    break;
                case UserMessageAccepted message:
                    if (!turnOpen)
                    {
                        turn++;
                        turnOpen = true;
                        lines.Add($"turn {turn}");
                    }
                    lines.Add($"  {at}  user      \"{Shorten(message.Message.Text)}\" (message {message.MessageId})");
                    break;
                case ResponseRecorded response:
                    var functionCalls = response.Output.Where(i => i.IsFunctionCall).ToList();
                    foreach (var call in functionCalls) calls[call.CallId ?? ""] = (call.Name ?? "?", entry.Written);
                    var tokens = response.Usage is { } usage ? $" · {usage.InputTokens} input tokens ({usage.CachedTokens} cached)" : "";
                    tokens += SentAs(response.SentInFull, chainStarted);
                    chainStarted = true;
                    lines.Add(functionCalls.Count > 0
                        ? $"  {at}  response  {response.ResponseId}: {functionCalls.Count} tool calls ({string.Join(", ", functionCalls.Select(c => c.Name))}){tokens}"
                        : $"  {at}  response  {response.ResponseId}: answer \"{Shorten(AnswerText(response.Output))}\"{tokens}");
                    if (functionCalls.Count == 0) turnOpen = false;
                    break;
                case ToolResultRecorded result:
                    var (name, asked) = calls.TryGetValue(result.CallId, out var c) ? c : ("?", entry.Written);
                    var took = (entry.Written - asked).TotalMilliseconds;
                    lines.Add($"  {at}  tool      {result.CallId} {name} {(result.IsError ? "✗" : "✓")} {took:0} ms: {Shorten(result.Output.Output ?? result.Output.Json.ToString())}");
                    break;
                case TurnAbandoned abandoned:
                    lines.Add($"  {at}  abandoned {Shorten(abandoned.Reason)}");
                    turnOpen = false;
                    break;
                case TurnInputDropped dropped:
                    chainStarted = false;
                    lines.Add($"  {at}  dropped   the turn's input, refused as too large: {Shorten(dropped.Reason)}; a new chain starts");
                    turnOpen = false;
                    break;
                case WindowCompacted compacted:
                    chainStarted = false;
                    lines.Add($"  {at}  compacted the window at {compacted.InputTokensBefore} input tokens into {compacted.Window.Count} items; a new chain starts");
                    break;
            }
        }
        if (turnOpen) lines.Add("  (turn still open: it resumes when a node starts this conversation)");
        return lines;
    }

    private static string SentAs(bool? sentInFull, bool chainStarted) => sentInFull switch
    {
        false => " · continued",
        true when chainStarted => " · full resend (chain reset)",
        true => " · full send",
        null => "",
    };

    private static string AnswerText(IEnumerable<Item> output) => string.Concat(output.Where(i => i.Type == ItemTypes.Message).Select(i => i.Text));

    private static string Shorten(string text)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= MaxShown ? flat : flat[..(MaxShown - 1)] + "…";
    }
}
