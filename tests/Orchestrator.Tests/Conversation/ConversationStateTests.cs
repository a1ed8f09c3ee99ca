using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

public class ConversationStateTests
{
    private static readonly ConversationSettings Settings = new("gpt-5.1", "Be brief.", false);

    private static Item Call(string callId, string name = "get_weather") =>
        Item.Parse($$"""{"type":"function_call","call_id":"{{callId}}","name":"{{name}}","arguments":"{\"city\":\"{{callId}}\"}"}""");

    private static Item Answer(string text) =>
        Item.Parse($$"""{"type":"message","role":"assistant","content":[{"type":"output_text","text":"{{text}}"}]}""");

    private static ToolResultRecorded Result(string callId, bool isError = false) =>
        new(callId, Item.FunctionCallOutput(callId, $"out-{callId}"), isError);

    private static ConversationState Apply(params IPersistedEvent[] events) =>
        events.Aggregate(ConversationState.Empty, (state, e) => state.Apply(e));

    private static readonly Item Hello = Item.UserMessage("hello");

    [Fact]
    public void Empty_state_is_idle_with_nothing_to_send()
    {
        var state = ConversationState.Empty;

        Assert.Equal(ConversationPhase.Idle, state.Phase);
        Assert.Empty(state.Window);
        Assert.Empty(state.Unsent);
        Assert.Null(state.LastResponseId);
    }

    [Fact]
    public void Conversation_started_records_the_settings()
    {
        Assert.Equal(Settings, Apply(new ConversationStarted(Settings)).Settings);
    }

    [Fact]
    public void User_message_opens_a_turn_awaiting_the_model()
    {
        var state = Apply(new ConversationStarted(Settings), new UserMessageAccepted("m1", Hello));

        Assert.Equal(ConversationPhase.AwaitingModel, state.Phase);
        Assert.Equal([Hello], state.Window);
        Assert.Equal(["m1"], state.TurnMessageIds);
        Assert.Equal([Hello], state.Unsent);
        Assert.Equal(0, state.ChainLength);
    }

    [Fact]
    public void Response_with_function_calls_runs_tools_with_open_calls_in_call_order()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Answer("thinking"), Call("c2", "calc"), Call("c1")], null));

        Assert.Equal(ConversationPhase.RunningTools, state.Phase);
        Assert.Equal(["c2", "c1"], state.OpenCalls.Select(c => c.CallId));
        Assert.Equal(new OpenCall("c2", "calc", """{"city":"c2"}""", null), state.OpenCalls[0]);
        Assert.Equal(["c2", "c1"], state.CallsWithoutResult.Select(c => c.CallId));
        Assert.Equal("resp_1", state.LastResponseId);
    }

    [Fact]
    public void Recorded_response_is_held_by_the_server_so_nothing_is_unsent()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null));

        Assert.Equal(2, state.Window.Count);
        Assert.Equal(state.Window.Count, state.ChainLength);
        Assert.Empty(state.Unsent);
    }

    [Fact]
    public void Results_arriving_out_of_order_join_the_window_in_call_order_only_when_all_are_in()
    {
        var afterCalls = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1"), Call("c2"), Call("c3")], null));

        var partial = afterCalls.Apply(Result("c3")).Apply(Result("c1"));

        Assert.Equal(ConversationPhase.RunningTools, partial.Phase);
        Assert.Equal(afterCalls.Window, partial.Window);
        Assert.Equal(["c2"], partial.CallsWithoutResult.Select(c => c.CallId));

        var complete = partial.Apply(Result("c2"));

        Assert.Equal(ConversationPhase.AwaitingModel, complete.Phase);
        Assert.Empty(complete.OpenCalls);
        Assert.Equal(["c1", "c2", "c3"], complete.Unsent.Select(i => i.CallId));
        Assert.All(complete.Unsent, i => Assert.True(i.IsFunctionCallOutput));
        Assert.Equal(afterCalls.ChainLength, complete.ChainLength);
    }

    [Fact]
    public void Error_flag_of_a_result_is_kept_on_its_call()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1"), Call("c2")], null),
            Result("c1", isError: true));

        Assert.True(state.OpenCalls[0].IsError);
        Assert.False(state.OpenCalls[1].IsError);
    }

    [Fact]
    public void Duplicate_result_changes_nothing()
    {
        var once = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1"), Call("c2")], null),
            Result("c1"));

        var twice = once.Apply(new ToolResultRecorded("c1", Item.FunctionCallOutput("c1", "different"), true));

        Assert.Same(once, twice);
    }

    [Fact]
    public void Duplicate_result_after_all_calls_answered_adds_no_second_output()
    {
        var done = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null),
            Result("c1"));

        Assert.Same(done, done.Apply(Result("c1")));
        Assert.Single(done.Unsent);
    }

    [Fact]
    public void Result_for_an_unknown_call_changes_nothing()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null));

        Assert.Same(state, state.Apply(Result("nope")));
    }

    [Fact]
    public void Response_without_calls_ends_the_turn()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null),
            Result("c1"),
            new ResponseRecorded("resp_2", [Answer("Sunny.")], null));

        Assert.Equal(ConversationPhase.Idle, state.Phase);
        Assert.False(state.TurnOpen);
        Assert.Empty(state.TurnMessageIds);
        Assert.Equal("resp_2", state.LastResponseId);
        Assert.Equal(4, state.Window.Count);
        Assert.Equal(4, state.ChainLength);
        Assert.Empty(state.Unsent);
    }

    [Fact]
    public void Message_accepted_mid_turn_is_queued_not_added_to_the_window()
    {
        var second = Item.UserMessage("and tomorrow?");
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null),
            new UserMessageAccepted("m2", second));

        Assert.Equal(ConversationPhase.RunningTools, state.Phase);
        Assert.Equal([new QueuedMessage("m2", second)], state.Queued);
        Assert.DoesNotContain(second, state.Window);
        Assert.Equal(["m1"], state.TurnMessageIds);
    }

    [Fact]
    public void Queued_messages_open_the_next_turn_together_when_the_turn_ends()
    {
        var second = Item.UserMessage("and tomorrow?");
        var third = Item.UserMessage("in Celsius");
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new UserMessageAccepted("m2", second),
            new UserMessageAccepted("m3", third),
            new ResponseRecorded("resp_1", [Answer("Hi!")], null));

        Assert.Equal(ConversationPhase.AwaitingModel, state.Phase);
        Assert.Equal(["m2", "m3"], state.TurnMessageIds);
        Assert.Empty(state.Queued);
        Assert.Equal([second, third], state.Unsent);
        Assert.Equal("resp_1", state.LastResponseId);
    }

    [Fact]
    public void Turn_abandoned_ends_the_turn_and_keeps_its_input()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new TurnAbandoned("400 bad request"));

        Assert.Equal(ConversationPhase.Idle, state.Phase);
        Assert.Empty(state.TurnMessageIds);
        Assert.Equal([Hello], state.Window);
        Assert.Equal([Hello], state.Unsent);
    }

    [Fact]
    public void Queued_messages_open_the_next_turn_after_turn_abandoned()
    {
        var second = Item.UserMessage("still there?");
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new UserMessageAccepted("m2", second),
            new TurnAbandoned("gave up"));

        Assert.Equal(ConversationPhase.AwaitingModel, state.Phase);
        Assert.Equal(["m2"], state.TurnMessageIds);
        Assert.Equal([Hello, second], state.Window);
        Assert.Empty(state.Queued);
    }

    [Fact]
    public void Unsent_is_everything_after_the_last_recorded_response()
    {
        var next = Item.UserMessage("next");
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Answer("Hi!")], null),
            new UserMessageAccepted("m2", next));

        Assert.Equal(2, state.ChainLength);
        Assert.Equal([next], state.Unsent);
        Assert.Equal(["m2"], state.TurnMessageIds);
    }

    [Fact]
    public void Message_ids_are_remembered_for_dedupe_whether_queued_or_not()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new UserMessageAccepted("m2", Item.UserMessage("queued")),
            new ResponseRecorded("resp_1", [Answer("Hi!")], null),
            new ResponseRecorded("resp_2", [Answer("Again")], null));

        Assert.Equal(ConversationPhase.Idle, state.Phase);
        Assert.Equal(["m1", "m2"], state.MessageIds.All.Select(k => k.MessageId));
    }

    [Fact]
    public void Replaying_the_same_journal_gives_an_equal_state()
    {
        IPersistedEvent[] journal =
        [
            new ConversationStarted(Settings),
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1"), Call("c2")], null),
            Result("c2"),
        ];

        var a = Apply(journal);
        var b = Apply(journal);

        Assert.Equal(a.Window, b.Window);
        Assert.Equal(a.OpenCalls, b.OpenCalls);
        Assert.Equal(a.Phase, b.Phase);
        Assert.Equal(a.ChainLength, b.ChainLength);
    }

    [Fact]
    public void A_response_is_the_last_of_its_turn_only_without_calls_and_without_queued_messages()
    {
        var open = Apply(new UserMessageAccepted("m1", Hello));
        var queued = open.Apply(new UserMessageAccepted("m2", Item.UserMessage("and then?")));
        var answer = new ResponseRecorded("resp_1", [Answer("done")], null);
        var calls = new ResponseRecorded("resp_1", [Answer("thinking"), Call("c1")], null);

        Assert.True(open.IsLastOfTurn(answer));
        Assert.Equal(ConversationPhase.Idle, open.Apply(answer).Phase);
        Assert.False(open.IsLastOfTurn(calls));
        Assert.False(queued.IsLastOfTurn(answer));
        Assert.NotEqual(ConversationPhase.Idle, queued.Apply(answer).Phase);
    }
}
