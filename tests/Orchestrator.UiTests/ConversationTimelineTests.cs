using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.OperatorConsole;
using Xunit;

namespace Orchestrator.UiTests;

public sealed class ConversationTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Each_response_says_how_it_was_sent_and_why()
    {
        var rows = Rows(
            new ConversationStarted(new ConversationSettings("gpt-5.1")),
            new UserMessageAccepted("m1", Item.UserMessage("one")),
            new ResponseRecorded("r1", [Answer("a")], SentInFull: true),
            new UserMessageAccepted("m2", Item.UserMessage("two")),
            new ResponseRecorded("r2", [Answer("b")], SentInFull: false),
            new UserMessageAccepted("m3", Item.UserMessage("three")),
            new ResponseRecorded("r3", [Answer("c")], SentInFull: true),
            new WindowCompacted([Answer("summary")], 250_000),
            new UserMessageAccepted("m4", Item.UserMessage("four")),
            new ResponseRecorded("r4", [Answer("d")], SentInFull: true));

        var view = ConversationTimeline.Of("c", rows, 0, [], _ => null);

        var responses = view.Turns.SelectMany(t => t.Responses).ToList();
        Assert.Equal(["full send", "continued", "full resend", "full send"], responses.Select(r => r.Sent));
        Assert.Contains("first request", responses[0].Why, StringComparison.Ordinal);
        Assert.Contains("cache was gone", responses[2].Why, StringComparison.Ordinal);
        Assert.Contains("compacting", responses[3].Why, StringComparison.Ordinal);
        Assert.Equal(4, view.Turns.Count);
    }

    [Fact]
    public void Tool_calls_get_their_duration_and_outcome_from_the_journal_or_the_nodes_span()
    {
        var rows = Rows(
            new UserMessageAccepted("m1", Item.UserMessage("tools:2")),
            new ResponseRecorded("r1", [Call("a"), Call("b")], new Usage { InputTokens = 100 }, SentInFull: true),
            new ToolResultRecorded("a", Item.FunctionCallOutput("a", "ok"), IsError: false),
            new ToolResultRecorded("b", Item.FunctionCallOutput("b", "boom"), IsError: true));
        var exact = new ToolSpan(T0.AddSeconds(1.1), TimeSpan.FromMilliseconds(420), IsError: true);

        var view = ConversationTimeline.Of("c", rows, 0, [], id => id == "b" ? exact : null);

        var calls = view.Turns.Single().Responses.Single().ToolCalls;
        Assert.Equal((1000.0, false), (calls[0].DurationMs!.Value, calls[0].IsError!.Value));
        Assert.Equal((420.0, true, "boom"), (calls[1].DurationMs!.Value, calls[1].IsError!.Value, calls[1].Output));
        Assert.Equal(100, view.Turns.Single().Responses.Single().InputTokens);
        Assert.Equal(ConversationSummary.AwaitingModel, view.Summary.Phase);
    }

    [Fact]
    public void A_response_takes_bytes_and_latency_from_the_request_this_node_sent_for_it()
    {
        var rows = Rows(new UserMessageAccepted("m1", Item.UserMessage("hi")), new ResponseRecorded("r1", [Answer("hello")], SentInFull: true));
        var retried = new RequestSpan(T0.AddMilliseconds(100), TimeSpan.FromMilliseconds(200), "full", 900, "retried");
        var sent = new RequestSpan(T0.AddMilliseconds(400), TimeSpan.FromMilliseconds(550), "full", 1234, "completed");

        var response = ConversationTimeline.Of("c", rows, 0, [retried, sent], _ => null).Turns.Single().Responses.Single();

        Assert.Equal((1234, 550.0, "node"), (response.Bytes, response.LatencyMs, response.Source));
    }

    private static List<JournalRow> Rows(params IPersistedEvent[] events) =>
        events.Select((e, i) => new JournalRow(i + 1, T0.AddSeconds(i), e)).ToList();

    private static Item Answer(string text) =>
        Item.Parse($$"""{"type":"message","role":"assistant","content":[{"type":"output_text","text":"{{text}}"}]}""");

    private static Item Call(string callId) =>
        Item.Parse($$"""{"type":"function_call","call_id":"{{callId}}","name":"calculate","arguments":"{}"}""");
}
