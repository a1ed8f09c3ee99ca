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

    [Fact]
    public void A_message_may_always_open_a_turn_and_may_queue_only_within_both_bounds()
    {
        var idle = Apply(new ConversationStarted(Settings));
        Assert.Null(idle.RefuseQueued(textBytes: 10_000, maxMessages: 1, maxBytes: 10));

        var open = Apply(new UserMessageAccepted("m1", Hello), new UserMessageAccepted("m2", Item.UserMessage("12345")));
        Assert.Equal(5, open.QueuedBytes);
        Assert.Null(open.RefuseQueued(textBytes: 5, maxMessages: 2, maxBytes: 10));
        Assert.Equal(new QueueRefusal(QueueRefusalKind.TooManyBytes, 11, 10), open.RefuseQueued(textBytes: 6, maxMessages: 2, maxBytes: 10));
        Assert.Equal(new QueueRefusal(QueueRefusalKind.TooManyMessages, 1, 1), open.RefuseQueued(textBytes: 1, maxMessages: 1, maxBytes: 10));
    }

    [Fact]
    public void Queued_bytes_count_utf8_and_clear_when_the_queue_opens_a_turn()
    {
        var state = Apply(new UserMessageAccepted("m1", Hello), new UserMessageAccepted("m2", Item.UserMessage("é€")));
        Assert.Equal(5, state.QueuedBytes);
        Assert.Equal(5, ConversationState.FromSnapshot(state.ToSnapshot()).QueuedBytes);

        Assert.Equal(0, state.Apply(new ResponseRecorded("resp_1", [Answer("Hi!")], null)).QueuedBytes);
    }

    [Fact]
    public void A_response_asking_for_tools_at_the_round_cap_reaches_it_with_its_calls_not_run()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null),
            Result("c1"),
            new ResponseRecorded("resp_2", [Call("c2"), Call("c3")], null));

        Assert.Equal(2, state.TurnRounds);
        Assert.Equal(3, state.TurnToolCalls);
        Assert.Null(state.TurnCapReached(maxRounds: 3, maxToolCalls: 3));
        Assert.Equal(new TurnCap(TurnCapKind.Rounds, 2, NotRun: 2), state.TurnCapReached(maxRounds: 2, maxToolCalls: 100));
        Assert.Equal(new TurnCap(TurnCapKind.ToolCalls, 2, NotRun: 2), state.TurnCapReached(maxRounds: 100, maxToolCalls: 2));
    }

    [Fact]
    public void A_capped_turn_whose_end_was_not_written_reaches_the_cap_before_sending_again()
    {
        var answered = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null),
            Result("c1", isError: true));
        Assert.Equal(ConversationPhase.AwaitingModel, answered.Phase);

        Assert.Null(answered.CapBeforeSending(maxRounds: 2, maxToolCalls: 1));
        Assert.Equal(new TurnCap(TurnCapKind.Rounds, 1, NotRun: 0), answered.CapBeforeSending(maxRounds: 1, maxToolCalls: 100));
        Assert.Equal(new TurnCap(TurnCapKind.ToolCalls, 0, NotRun: 0), answered.CapBeforeSending(maxRounds: 100, maxToolCalls: 0));
    }

    [Fact]
    public void Turn_counters_start_again_with_each_turn_and_survive_a_snapshot()
    {
        var capped = Apply(
            new UserMessageAccepted("m1", Hello),
            new UserMessageAccepted("m2", Item.UserMessage("queued")),
            new ResponseRecorded("resp_1", [Call("c1")], null));
        var restored = ConversationState.FromSnapshot(capped.ToSnapshot());
        Assert.Equal((1, 1), (restored.TurnRounds, restored.TurnToolCalls));

        var next = capped.Apply(Result("c1", isError: true)).Apply(new TurnAbandoned("cap"));
        Assert.Equal(["m2"], next.TurnMessageIds);
        Assert.Equal(0, next.TurnRounds);
        Assert.Equal(0, next.TurnToolCalls);
        Assert.Null(next.TurnCapReached(1, 1));
    }

    [Fact]
    public void Calls_answered_not_run_and_the_abandoned_turn_leave_a_window_with_an_output_for_every_call()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1"), Call("c2")], null),
            Result("c1", isError: true),
            Result("c2", isError: true),
            new TurnAbandoned("cap"),
            new UserMessageAccepted("m2", Item.UserMessage("next")));

        var calls = state.Window.Where(i => i.IsFunctionCall).Select(i => i.CallId);
        var outputs = state.Window.Where(i => i.IsFunctionCallOutput).Select(i => i.CallId);
        Assert.Equal(calls, outputs);
        Assert.Equal("resp_1", state.LastResponseId);
        Assert.Equal(["function_call_output", "function_call_output", "message"], state.Unsent.Select(i => i.Type));
    }

    [Fact]
    public void A_dropped_turn_input_leaves_the_window_before_it_and_a_placeholder_and_starts_a_new_chain()
    {
        var big = Item.UserMessage(new string('x', 1000));
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null),
            Result("c1"),
            new ResponseRecorded("resp_2", [Answer("Hi!")], null),
            new UserMessageAccepted("m2", Item.UserMessage("small")),
            new UserMessageAccepted("m3", big),
            new UserMessageAccepted("m4", big),
            new ResponseRecorded("resp_3", [Answer("ok")], null));
        Assert.Equal(["m3", "m4"], state.TurnMessageIds);
        var before = state.Window.Take(state.Window.Count - 2).ToList();

        var dropped = state.Apply(new TurnInputDropped("400 message_too_large: too big"));

        Assert.Equal(ConversationPhase.Idle, dropped.Phase);
        Assert.Equal(before, dropped.Window.Take(before.Count));
        Assert.Equal(before.Count + 1, dropped.Window.Count);
        Assert.Equal(ConversationState.DroppedInputPlaceholder("400 message_too_large: too big"), dropped.Window[^1].Text);
        Assert.Null(dropped.LastResponseId);
        Assert.Equal(0, dropped.ChainLength);
    }

    [Fact]
    public void A_dropped_turn_input_also_drops_user_messages_an_abandoned_turn_left_unsent_but_keeps_tool_outputs()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Call("c1")], null),
            Result("c1"),
            new TurnAbandoned("500 after the outputs"),
            new UserMessageAccepted("m2", Item.UserMessage("huge, refused")),
            new TurnAbandoned("400 message_too_large"),
            new UserMessageAccepted("m3", Item.UserMessage("refused again")));

        var dropped = state.Apply(new TurnInputDropped("too large"));

        Assert.Equal(["message", "function_call", "function_call_output", "message"], dropped.Window.Select(i => i.Type));
        Assert.Equal(ConversationState.DroppedInputPlaceholder("too large"), dropped.Window[^1].Text);
    }

    [Fact]
    public void A_turn_input_dropped_after_a_compaction_in_the_turn_keeps_only_the_compaction_items()
    {
        var compaction = Item.Parse("""{"type":"compaction","id":"cmp_1","encrypted_content":"opaque"}""");
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Answer("Hi!")], null),
            new UserMessageAccepted("m2", Item.UserMessage("huge")),
            new WindowCompacted([Item.UserMessage("huge"), compaction], 1_000_000));
        Assert.Equal(-1, state.TurnInputStart);
        Assert.Equal(1, state.TurnCompactions);

        var dropped = state.Apply(new TurnInputDropped("too large"));

        Assert.Equal(["compaction", "message"], dropped.Window.Select(i => i.Type));
        Assert.Equal(0, dropped.TurnCompactions);
        Assert.Equal(ConversationPhase.Idle, dropped.Phase);
    }

    [Fact]
    public void Turn_input_start_survives_a_snapshot()
    {
        var state = Apply(
            new UserMessageAccepted("m1", Hello),
            new ResponseRecorded("resp_1", [Answer("Hi!")], null),
            new UserMessageAccepted("m2", Item.UserMessage("next")));
        Assert.Equal(2, state.TurnInputStart);

        Assert.Equal(2, ConversationState.FromSnapshot(state.ToSnapshot()).TurnInputStart);
    }
}
