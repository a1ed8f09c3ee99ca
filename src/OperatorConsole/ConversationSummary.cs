using Orchestrator.Messages.Events;

namespace Orchestrator.OperatorConsole;

/// <summary>
/// One line of the console's list, folded from a conversation's journal: its model, when it was created and last
/// written, how many turns it had, and where its last turn stands. <see cref="Phase"/> is what the journal says:
/// <c>idle</c> (no open turn), <c>awaiting_model</c> (a user message or tool results wait for a response) or
/// <c>running_tools</c> (the last response's calls lack results); an open turn resumes when a node starts the
/// conversation.
/// </summary>
public sealed record ConversationSummary(
    string Id,
    string Phase,
    string? Model,
    DateTimeOffset? Created,
    DateTimeOffset? LastActivity,
    int Turns,
    int ToolCallsWaiting,
    long Events)
{
    public const string Idle = "idle";
    public const string AwaitingModel = "awaiting_model";
    public const string RunningTools = "running_tools";

    public static ConversationSummary Of(string id, IReadOnlyList<JournalRow> rows)
    {
        string? model = null;
        DateTimeOffset? created = null, last = null;
        var turns = 0;
        var turnOpen = false;
        var waiting = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            last = last is { } l && l > row.Written ? l : row.Written;
            switch (row.Event)
            {
                case ConversationStarted started:
                    model = started.Settings.Model;
                    created = row.Written;
                    break;
                case UserMessageAccepted:
                    if (!turnOpen) turns++;
                    turnOpen = true;
                    break;
                case ResponseRecorded response:
                    waiting.Clear();
                    foreach (var call in response.Output.Where(i => i.IsFunctionCall)) waiting.Add(call.CallId ?? "");
                    if (waiting.Count == 0) turnOpen = false;
                    break;
                case ToolResultRecorded result:
                    waiting.Remove(result.CallId);
                    break;
                case TurnAbandoned or TurnInputDropped:
                    waiting.Clear();
                    turnOpen = false;
                    break;
            }
        }
        var phase = !turnOpen ? Idle : waiting.Count > 0 ? RunningTools : AwaitingModel;
        return new ConversationSummary(id, phase, model, created, last, turns, turnOpen ? waiting.Count : 0, rows.Count == 0 ? 0 : rows[^1].SequenceNr);
    }
}
