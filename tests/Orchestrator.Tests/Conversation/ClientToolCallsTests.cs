using System.Text.Json;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

/// <summary>The pure rules of calls that the client runs: which wait, when the turn goes on, results recorded once.</summary>
public class ClientToolCallsTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"q":{"type":"string"}}}""").RootElement;

    private static readonly ConversationSettings Settings = new("gpt-5.1", Tools: new ConversationToolSettings(
        [new ClientTool("search_crm", "Searches the CRM.", Schema), new ClientTool("send_mail", null, Schema)]));

    private static readonly DateTimeOffset Offered = new(2026, 12, 7, 17, 0, 0, TimeSpan.Zero);

    private static Item Call(string callId, string name) =>
        Item.Parse($$"""{"type":"function_call","call_id":"{{callId}}","name":"{{name}}","arguments":"{}"}""");

    /// <summary>A response with a node call (get_weather) and two client calls, the client's offered.</summary>
    private static ConversationState Mixed() => new IPersistedEvent[]
    {
        new ConversationStarted(Settings),
        new UserMessageAccepted("m1", Item.UserMessage("tools:3")),
        new ResponseRecorded("resp_1", [Call("c1", "search_crm"), Call("c2", "send_mail"), Call("c3", "get_weather")]),
        new ClientToolCallsAwaited(["c1", "c2"], Offered),
    }.Aggregate(ConversationState.Empty, (s, e) => s.Apply(e));

    private static ConversationState Record(ConversationState state, SubmitToolResult submit) =>
        state.Apply(Assert.IsType<ToolResultDecision.Record>(ClientToolCalls.Decide(state, submit)).Event);

    [Fact]
    public void Calls_of_client_tools_wait_for_the_client_and_the_others_run_on_the_node()
    {
        var state = Mixed();

        Assert.Equal(["c3"], ClientToolCalls.ForNode(state).Select(c => c.CallId));
        Assert.Equal(["c1", "c2"], ClientToolCalls.Waiting(state).Select(c => c.CallId));
        Assert.Empty(ClientToolCalls.NotYetOffered(state));
        Assert.Equal([new WaitingToolCall("c1", "search_crm", "{}", Offered), new WaitingToolCall("c2", "send_mail", "{}", Offered)], ClientToolCalls.Shown(state));
    }

    [Fact]
    public void Calls_not_yet_written_as_awaited_are_the_ones_to_offer()
    {
        var state = new IPersistedEvent[]
        {
            new ConversationStarted(Settings),
            new UserMessageAccepted("m1", Item.UserMessage("tools:2")),
            new ResponseRecorded("resp_1", [Call("c1", "search_crm"), Call("c2", "get_weather")]),
        }.Aggregate(ConversationState.Empty, (s, e) => s.Apply(e));

        Assert.Equal(["c1"], ClientToolCalls.NotYetOffered(state).Select(c => c.CallId));
        Assert.Empty(ClientToolCalls.Shown(state));
        Assert.Empty(ClientToolCalls.NotYetOffered(state.Apply(new ClientToolCallsAwaited(["c1"], Offered))));
    }

    [Fact]
    public void The_turn_goes_on_only_when_every_call_has_its_result_whichever_side_ran_it()
    {
        var state = Mixed();

        state = Record(state, new SubmitToolResult("c", "c1", "found"));
        Assert.Equal(ConversationPhase.RunningTools, state.Phase);
        state = state.Apply(new ToolResultRecorded("c3", Item.FunctionCallOutput("c3", "sunny"), false));
        Assert.Equal(ConversationPhase.RunningTools, state.Phase);
        state = Record(state, new SubmitToolResult("c", "c2", null, "mail server down"));

        Assert.Equal(ConversationPhase.AwaitingModel, state.Phase);
        Assert.Equal(["c1", "c2", "c3"], state.Unsent.Where(i => i.IsFunctionCallOutput).Select(i => i.CallId));
        Assert.Contains("client_error", state.Unsent.Single(i => i.CallId == "c2" && i.IsFunctionCallOutput).Output);
    }

    [Fact]
    public void The_same_result_again_is_a_duplicate_while_waiting_and_after_the_turn_went_on()
    {
        var state = Record(Mixed(), new SubmitToolResult("c", "c1", "found"));

        Assert.IsType<ToolResultDecision.Duplicate>(ClientToolCalls.Decide(state, new SubmitToolResult("c", "c1", "found")));
        state = Record(state, new SubmitToolResult("c", "c2", "sent"));
        state = state.Apply(new ToolResultRecorded("c3", Item.FunctionCallOutput("c3", "sunny"), false));
        Assert.Empty(state.OpenCalls);
        Assert.IsType<ToolResultDecision.Duplicate>(ClientToolCalls.Decide(state, new SubmitToolResult("c", "c1", "found")));
    }

    [Fact]
    public void Another_result_for_an_answered_call_is_refused_as_already_answered()
    {
        var state = Record(Mixed(), new SubmitToolResult("c", "c1", "found"));

        var refused = Assert.IsType<ToolResultDecision.Refused>(ClientToolCalls.Decide(state, new SubmitToolResult("c", "c1", "something else")));
        Assert.Equal(ToolResultRejectionCodes.AlreadyAnswered, refused.Code);
    }

    [Fact]
    public void A_call_that_timed_out_is_answered_and_a_late_result_is_refused()
    {
        var timedOut = ClientToolCalls.TimedOutOutput(TimeSpan.FromSeconds(30));
        var state = Mixed().Apply(new ToolResultRecorded("c1", Item.FunctionCallOutput("c1", timedOut), true));

        Assert.Contains("timed_out", timedOut);
        Assert.Equal(["c2"], ClientToolCalls.Waiting(state).Select(c => c.CallId));
        Assert.Equal(ToolResultRejectionCodes.AlreadyAnswered,
            Assert.IsType<ToolResultDecision.Refused>(ClientToolCalls.Decide(state, new SubmitToolResult("c", "c1", "late"))).Code);
    }

    [Theory]
    [InlineData("c9", null, ToolResultRejectionCodes.UnknownCall)]
    [InlineData("c3", null, ToolResultRejectionCodes.NotClientCall)]
    [InlineData("c1", "both", ToolResultRejectionCodes.Invalid)]
    public void Unknown_calls_node_calls_and_malformed_results_are_refused(string callId, string? error, string code)
    {
        var refused = Assert.IsType<ToolResultDecision.Refused>(ClientToolCalls.Decide(Mixed(), new SubmitToolResult("c", callId, "x", error)));

        Assert.Equal(code, refused.Code);
    }

    [Fact]
    public void A_conversation_timeout_overrides_the_nodes()
    {
        var options = new ConversationOptions();
        var own = Settings with { Tools = Settings.Tools! with { ClientToolTimeout = TimeSpan.FromSeconds(3) } };

        Assert.Equal(options.ClientToolTimeout, ClientToolCalls.Timeout(Settings, options));
        Assert.Equal(TimeSpan.FromSeconds(3), ClientToolCalls.Timeout(own, options));
    }

    [Fact]
    public void Offered_calls_survive_a_snapshot()
    {
        var state = ConversationState.FromSnapshot(Mixed().ToSnapshot());

        Assert.Equal(["c1", "c2"], ClientToolCalls.Shown(state).Select(c => c.CallId));
        Assert.Empty(ClientToolCalls.NotYetOffered(state));
    }
}
