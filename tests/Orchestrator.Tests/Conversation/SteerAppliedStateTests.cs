using System.Runtime.Serialization;
using System.Text;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Xunit;

namespace Orchestrator.Tests.Conversation;

/// <summary>What <see cref="SteerApplied"/> means in the journal: steered messages join the window once, in the open turn.</summary>
public sealed class SteerAppliedStateTests
{
    private static readonly ConversationSettings Settings = new("gpt-6", "Be brief.", false);
    private static readonly Item First = Item.UserMessage("first");
    private static readonly Item Second = Item.UserMessage("second");
    private static readonly Item Third = Item.UserMessage("third");

    private static Item Answer(string text) =>
        Item.Parse($$"""{"type":"message","role":"assistant","content":[{"type":"output_text","text":"{{text}}"}]}""");

    private static Item Call(string callId) =>
        Item.Parse($$"""{"type":"function_call","call_id":"{{callId}}","name":"get_weather","arguments":"{}"}""");

    private static ConversationState Apply(params IPersistedEvent[] events) =>
        events.Aggregate(ConversationState.Empty, (state, e) => state.Apply(e));

    private static ConversationState TwoQueued() => Apply(
        new ConversationStarted(Settings),
        new UserMessageAccepted("m1", First),
        new UserMessageAccepted("m2", Second),
        new UserMessageAccepted("m3", Third));

    [Fact]
    public void A_held_response_and_its_successor_keep_the_turn_open_with_only_the_steered_message_moved()
    {
        var state = TwoQueued().Apply(new SteerApplied(["m2"], "resp_2", new ResponseRecorded("resp_1", [Answer("partial")])));

        Assert.Equal([First, Answer("partial"), Second], state.Window);
        Assert.Equal(ConversationPhase.AwaitingModel, state.Phase);
        Assert.Equal(["m1", "m2"], state.TurnMessageIds);
        Assert.Equal(["m3"], state.Queued.Select(q => q.MessageId));
        Assert.Equal(ConversationState.TextBytes(Third), state.QueuedBytes);
        Assert.Equal("resp_1", state.LastResponseId);
        // The successor's context is the chain plus the steered message: what is unsent is exactly that.
        Assert.Equal([Second], state.Unsent);
        Assert.Equal(1, state.TurnRounds);
    }

    [Fact]
    public void The_successor_completing_ends_the_turn_and_the_unsteered_message_opens_the_next()
    {
        var state = TwoQueued()
            .Apply(new SteerApplied(["m2"], "resp_2", new ResponseRecorded("resp_1", [])))
            .Apply(new ResponseRecorded("resp_2", [Answer("done")]));

        Assert.Equal([First, Second, Answer("done"), Third], state.Window);
        Assert.Equal(["m3"], state.TurnMessageIds);
        Assert.Empty(state.Queued);
        Assert.Equal(1, state.Window.Count(item => item.Text == "second"));
    }

    [Fact]
    public void After_tool_output_the_steered_message_follows_the_outputs()
    {
        var output = Item.FunctionCallOutput("c1", "sunny");
        var state = Apply(
                new ConversationStarted(Settings),
                new UserMessageAccepted("m1", First),
                new UserMessageAccepted("m2", Second),
                new ResponseRecorded("resp_1", [Call("c1")]),
                new ToolResultRecorded("c1", output, false))
            .Apply(new SteerApplied(["m2"], "resp_2"));

        Assert.Equal([First, Call("c1"), output, Second], state.Window);
        Assert.Equal([output, Second], state.Unsent);
        Assert.Equal(["m1", "m2"], state.TurnMessageIds);
        Assert.Empty(state.Queued);
    }

    [Fact]
    public void Applying_it_twice_never_adds_the_message_twice()
    {
        var once = TwoQueued().Apply(new SteerApplied(["m2"], "resp_2", new ResponseRecorded("resp_1", [])));
        var twice = once.Apply(new SteerApplied(["m2"], "resp_3"));

        Assert.Equal(once.Window, twice.Window);
        Assert.Equal(once.TurnMessageIds, twice.TurnMessageIds);
    }

    [Fact]
    public void Without_the_event_a_steered_message_that_never_committed_runs_as_the_next_turn()
    {
        var state = TwoQueued().Apply(new ResponseRecorded("resp_1", [Answer("whole")]));

        Assert.Equal([First, Answer("whole"), Second, Third], state.Window);
        Assert.Equal(["m2", "m3"], state.TurnMessageIds);
    }

    [Fact]
    public void It_round_trips_through_the_journal_serializer_and_old_settings_read_without_steering()
    {
        var serializer = new PersistedEventSerializer(null!);
        var e = new SteerApplied(["m2", "m3"], "resp_2", new ResponseRecorded("resp_1", [Answer("partial")], null, SentInFull: true));

        var read = (SteerApplied)serializer.FromBinary(serializer.ToBinary(e), "steer-applied.v1");
        var started = (ConversationStarted)serializer.FromBinary("""{"settings":{"model":"m","instructions":null,"store":false}}"""u8.ToArray(), "conversation-started.v1");

        Assert.Equal(e.MessageIds, read.MessageIds);
        Assert.Equal(e.SuccessorResponseId, read.SuccessorResponseId);
        Assert.Equal(Encoding.UTF8.GetString(serializer.ToBinary(e)), Encoding.UTF8.GetString(serializer.ToBinary(read)));
        Assert.Null(started.Settings.Steering);
        Assert.Throws<SerializationException>(() => serializer.FromBinary("""{"successor_response_id":"resp_2"}"""u8.ToArray(), "steer-applied.v1"));
    }
}
