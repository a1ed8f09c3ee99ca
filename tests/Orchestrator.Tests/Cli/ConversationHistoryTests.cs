using Orchestrator.Cli;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Cli;

public sealed class ConversationHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Inspect_says_how_each_response_was_sent_and_marks_a_full_send_mid_chain_as_a_chain_reset()
    {
        var lines = ConversationHistory.Describe("c-1", Entries(
            new ConversationStarted(new ConversationSettings("gpt-5.1")),
            new UserMessageAccepted("m-1", Item.UserMessage("go")),
            new ResponseRecorded("resp_1", [Call("call_1")], SentInFull: true),
            new ToolResultRecorded("call_1", Item.FunctionCallOutput("call_1", "1"), IsError: false),
            new ResponseRecorded("resp_2", [Call("call_2")], SentInFull: false),
            new ToolResultRecorded("call_2", Item.FunctionCallOutput("call_2", "2"), IsError: false),
            new ResponseRecorded("resp_3", [Call("call_3")], SentInFull: true),
            new WindowCompacted([Item.UserMessage("summary")], 250_000),
            new ToolResultRecorded("call_3", Item.FunctionCallOutput("call_3", "3"), IsError: false),
            new ResponseRecorded("resp_4", [Answer("done")], SentInFull: true),
            new UserMessageAccepted("m-2", Item.UserMessage("old journal")),
            new ResponseRecorded("resp_5", [Answer("ok")])));

        var responses = lines.Where(l => l.Contains("  response  ")).ToArray();
        Assert.EndsWith("· full send", responses[0]);
        Assert.EndsWith("· continued", responses[1]);
        Assert.EndsWith("· full resend (chain reset)", responses[2]);
        // After a compaction the full send starts the new chain: not a reset.
        Assert.EndsWith("· full send", responses[3]);
        // Events written before the field existed say nothing about it.
        Assert.EndsWith("answer \"ok\"", responses[4]);
    }

    [Fact]
    public void Inspect_shows_a_dropped_turn_input_with_its_reason_and_the_next_send_as_a_new_chain()
    {
        var lines = ConversationHistory.Describe("c-1", Entries(
            new ConversationStarted(new ConversationSettings("gpt-5.1")),
            new UserMessageAccepted("m-1", Item.UserMessage("go")),
            new ResponseRecorded("resp_1", [Answer("hi")], SentInFull: true),
            new UserMessageAccepted("m-2", Item.UserMessage("huge")),
            new TurnInputDropped("the server refused the request as too large (400 message_too_large: too big)"),
            new UserMessageAccepted("m-3", Item.UserMessage("small")),
            new ResponseRecorded("resp_2", [Answer("ok")], SentInFull: true)));

        Assert.Contains(lines, l => l.Contains("dropped   the turn's input, refused as too large: the server refused the request as too large (400 message_too_large"));
        Assert.Contains(lines, l => l == "turn 3");
        Assert.EndsWith("· full send", lines.Last(l => l.Contains("  response  ")));
    }

    private static IReadOnlyList<JournalEntry> Entries(params IPersistedEvent[] events) =>
        events.Select((e, i) => new JournalEntry(i + 1, T0.AddSeconds(i), e)).ToList();

    private static Item Call(string callId) =>
        Item.Parse($$"""{"type":"function_call","id":"fc_{{callId}}","call_id":"{{callId}}","name":"lookup","arguments":"{}","status":"completed"}""");

    private static Item Answer(string text) =>
        Item.Parse($$"""{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"{{text}}","annotations":[]}]}""");
}
