using System.Text.Json;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

public class NextRequestPlannerTests
{
    private static readonly ConversationSettings Zdr = new("gpt-5.1", "Be brief.", Store: false);
    private static readonly ConversationSettings Stored = Zdr with { Store = true };

    private static readonly FunctionTool Weather = new("get_weather", "Current weather.",
        JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""").RootElement.Clone());

    private static ConversationState Apply(ConversationState state, params IPersistedEvent[] events) =>
        events.Aggregate(state, (s, e) => s.Apply(e));

    /// <summary>A conversation after one answered turn ("resp_1" recorded) and a second user message not yet sent.</summary>
    private static ConversationState SecondTurn(ConversationSettings settings) => Apply(ConversationState.Empty,
        new ConversationStarted(settings),
        new UserMessageAccepted("m1", Item.UserMessage("hello")),
        new ResponseRecorded("resp_1", [Item.Parse("""{"type":"reasoning","encrypted_content":"e1","summary":[]}"""), AssistantSays("Hi!")], null),
        new UserMessageAccepted("m2", Item.UserMessage("weather?")));

    private static Item AssistantSays(string text) =>
        Item.Parse($$"""{"type":"message","role":"assistant","content":[{"type":"output_text","text":"{{text}}"}]}""");

    [Fact]
    public void The_first_request_continues_a_warm_up_still_cached_on_its_lane_with_the_whole_window()
    {
        var state = Apply(ConversationState.Empty, new ConversationStarted(Zdr), new UserMessageAccepted("m1", Item.UserMessage("hello")));

        var plan = NextRequestPlanner.Plan(state, cachedResponseId: "resp_warm", chainLost: false, warmUpResponseId: "resp_warm");
        var elsewhere = NextRequestPlanner.Plan(state, cachedResponseId: "resp_other", chainLost: false, warmUpResponseId: "resp_warm");
        var lost = NextRequestPlanner.Plan(state, cachedResponseId: "resp_warm", chainLost: true, warmUpResponseId: "resp_warm");

        Assert.Equal(SendKind.Continuation, plan.Kind);
        Assert.Equal("resp_warm", plan.PreviousResponseId);
        Assert.Equal([Item.UserMessage("hello")], plan.Input);
        Assert.Equal(SendKind.Full, elsewhere.Kind);
        Assert.Equal(SendKind.Full, lost.Kind);
    }

    [Fact]
    public void Once_a_response_is_recorded_the_warm_up_no_longer_heads_the_chain()
    {
        var plan = NextRequestPlanner.Plan(SecondTurn(Zdr), cachedResponseId: "resp_1", chainLost: false, warmUpResponseId: "resp_warm");

        Assert.Equal("resp_1", plan.PreviousResponseId);
    }

    [Fact]
    public void The_warm_up_request_carries_instructions_and_tools_no_input_and_generate_false()
    {
        using var json = JsonDocument.Parse(NextRequestPlanner.WarmUp(Zdr, [Weather]).ToUtf8Bytes());

        var root = json.RootElement;
        Assert.False(root.GetProperty("generate").GetBoolean());
        Assert.Equal(0, root.GetProperty("input").GetArrayLength());
        Assert.Equal("Be brief.", root.GetProperty("instructions").GetString());
        Assert.Equal("get_weather", root.GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.False(root.TryGetProperty("previous_response_id", out _));
    }

    [Fact]
    public void Continuation_carries_only_unsent_items_when_lane_cache_holds_last_response()
    {
        var state = SecondTurn(Zdr);

        var plan = NextRequestPlanner.Plan(state, cachedResponseId: "resp_1", chainLost: false);

        Assert.Equal(SendKind.Continuation, plan.Kind);
        Assert.Equal("resp_1", plan.PreviousResponseId);
        Assert.Equal([Item.UserMessage("weather?")], plan.Input);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("resp_of_another_conversation")]
    public void Full_window_without_previous_id_when_lane_cache_does_not_hold_last_response(string? cached)
    {
        var state = SecondTurn(Zdr);

        var plan = NextRequestPlanner.Plan(state, cached, chainLost: false);

        Assert.Equal(SendKind.Full, plan.Kind);
        Assert.Null(plan.PreviousResponseId);
        Assert.Equal(state.Window, plan.Input);
        Assert.Equal(4, plan.Input.Count);
    }

    [Fact]
    public void Store_true_continues_even_when_the_lane_cache_is_cold()
    {
        var state = SecondTurn(Stored);

        var plan = NextRequestPlanner.Plan(state, cachedResponseId: null, chainLost: false);

        Assert.Equal(SendKind.Continuation, plan.Kind);
        Assert.Equal("resp_1", plan.PreviousResponseId);
        Assert.Equal([Item.UserMessage("weather?")], plan.Input);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void After_previous_response_not_found_the_window_is_sent_in_full(bool store)
    {
        var state = SecondTurn(store ? Stored : Zdr);

        var plan = NextRequestPlanner.Plan(state, cachedResponseId: "resp_1", chainLost: true);

        Assert.Equal(SendKind.Full, plan.Kind);
        Assert.Null(plan.PreviousResponseId);
        Assert.Equal(state.Window, plan.Input);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void First_request_of_a_chain_is_full(bool store)
    {
        var state = Apply(ConversationState.Empty,
            new ConversationStarted(store ? Stored : Zdr),
            new UserMessageAccepted("m1", Item.UserMessage("hello")));

        var plan = NextRequestPlanner.Plan(state, cachedResponseId: null, chainLost: false);

        Assert.Equal(SendKind.Full, plan.Kind);
        Assert.Null(plan.PreviousResponseId);
        Assert.Equal([Item.UserMessage("hello")], plan.Input);
    }

    [Fact]
    public void Tool_outputs_continue_the_chain_in_call_order()
    {
        var state = Apply(ConversationState.Empty,
            new ConversationStarted(Zdr),
            new UserMessageAccepted("m1", Item.UserMessage("hello")),
            new ResponseRecorded("resp_1",
            [
                Item.Parse("""{"type":"function_call","call_id":"c1","name":"a","arguments":"{}"}"""),
                Item.Parse("""{"type":"function_call","call_id":"c2","name":"b","arguments":"{}"}"""),
            ], null),
            new ToolResultRecorded("c2", Item.FunctionCallOutput("c2", "2"), false),
            new ToolResultRecorded("c1", Item.FunctionCallOutput("c1", "1"), false));

        var plan = NextRequestPlanner.Plan(state, cachedResponseId: "resp_1", chainLost: false);

        Assert.Equal(SendKind.Continuation, plan.Kind);
        Assert.Equal(["c1", "c2"], plan.Input.Select(i => i.CallId));
    }

    [Fact]
    public void Store_false_request_asks_for_encrypted_reasoning()
    {
        var request = NextRequestPlanner.Plan(SecondTurn(Zdr), "resp_1", false).ToRequest(Zdr, [Weather]);

        Assert.Equal(["reasoning.encrypted_content"], request.Include!);
        Assert.False(request.Store);
    }

    [Fact]
    public void Store_true_request_does_not_ask_for_encrypted_reasoning()
    {
        var request = NextRequestPlanner.Plan(SecondTurn(Stored), null, false).ToRequest(Stored, [Weather]);

        Assert.Null(request.Include);
        Assert.True(request.Store);
    }

    [Fact]
    public void Request_carries_settings_tools_and_the_plan()
    {
        var plan = NextRequestPlanner.Plan(SecondTurn(Zdr), "resp_1", false);

        var request = plan.ToRequest(Zdr, [Weather]);

        Assert.Equal("gpt-5.1", request.Model);
        Assert.Equal("Be brief.", request.Instructions);
        Assert.Equal([Weather], request.Tools!);
        Assert.Equal("resp_1", request.PreviousResponseId);
        Assert.Same(plan.Input, request.Input);
    }

    [Fact]
    public void Request_without_tools_omits_the_tools_field()
    {
        var request = NextRequestPlanner.Plan(SecondTurn(Zdr), "resp_1", false).ToRequest(Zdr, []);

        Assert.Null(request.Tools);
        Assert.False(JsonDocument.Parse(request.ToUtf8Bytes()).RootElement.TryGetProperty("tools", out _));
    }

    [Fact]
    public void Continuation_size_does_not_grow_with_the_window()
    {
        static int ContinuationBytes(int earlierTurns)
        {
            var events = new List<IPersistedEvent> { new ConversationStarted(Zdr) };
            for (var i = 0; i < earlierTurns; i++)
            {
                events.Add(new UserMessageAccepted($"m{i}", Item.UserMessage($"question {i}")));
                events.Add(new ResponseRecorded($"resp_{i:D4}", [AssistantSays($"answer {i}")], null));
            }
            events.Add(new UserMessageAccepted("new", Item.UserMessage("the new question")));
            var state = Apply(ConversationState.Empty, [.. events]);

            var plan = NextRequestPlanner.Plan(state, state.LastResponseId, chainLost: false);
            Assert.Equal(SendKind.Continuation, plan.Kind);
            return plan.ToRequest(Zdr, [Weather]).ToUtf8Bytes().Length;
        }

        // 10 versus 200 earlier items, the same new item.
        Assert.Equal(ContinuationBytes(5), ContinuationBytes(100));
    }

    [Fact]
    public void Full_send_size_grows_with_the_window()
    {
        static int FullBytes(int earlierTurns)
        {
            var state = ConversationState.Empty.Apply(new ConversationStarted(Zdr));
            for (var i = 0; i < earlierTurns; i++)
            {
                state = state.Apply(new UserMessageAccepted($"m{i}", Item.UserMessage($"question {i}")))
                    .Apply(new ResponseRecorded($"resp_{i:D4}", [AssistantSays($"answer {i}")], null));
            }
            state = state.Apply(new UserMessageAccepted("new", Item.UserMessage("the new question")));
            return NextRequestPlanner.Plan(state, null, chainLost: false).ToRequest(Zdr, [Weather]).ToUtf8Bytes().Length;
        }

        Assert.True(FullBytes(100) > FullBytes(5) * 10);
    }
}
