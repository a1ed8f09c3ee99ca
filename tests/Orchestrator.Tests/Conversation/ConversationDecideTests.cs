using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

public class ConversationDecideTests
{
    private static readonly ConversationSettings Settings = new("gpt-5.1", "Be brief.", false);
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ConversationOptions Options = new() { Defaults = Settings, MaxMessageChars = 10, MaxQueuedMessages = 2, MaxQueuedBytes = 12 };

    private static SendMessage Send(string text, string? clientId = null) => new("c1", text, clientId);

    private static ConversationState Apply(ConversationState state, MessageDecision decision) =>
        ((MessageDecision.Accept)decision).Events.Aggregate(state, (s, e) => s.Apply(e));

    private static ConversationState Started => ConversationState.Empty.Apply(new ConversationStarted(Settings));

    [Fact]
    public void A_first_message_starts_the_conversation_with_the_defaults_and_opens_a_turn()
    {
        var decision = Assert.IsType<MessageDecision.Accept>(ConversationState.Empty.Decide(Send("hello"), "m1", Now, Options));

        Assert.True(decision.OpensTurn);
        Assert.Equal("m1", decision.MessageId);
        Assert.Collection(decision.Events,
            e => Assert.Equal(new ConversationStarted(Settings), e),
            e =>
            {
                var accepted = Assert.IsType<UserMessageAccepted>(e);
                Assert.Equal("m1", accepted.MessageId);
                Assert.Equal("hello", accepted.Message.Text);
                Assert.Equal(Now, accepted.AcceptedAt);
            });
    }

    [Fact]
    public void A_message_to_a_started_conversation_is_its_acceptance_alone()
    {
        var decision = Assert.IsType<MessageDecision.Accept>(Started.Decide(Send("hello"), "m1", Now, Options));

        Assert.IsType<UserMessageAccepted>(Assert.Single(decision.Events));
    }

    [Fact]
    public void A_message_during_an_open_turn_is_queued_not_a_new_turn()
    {
        var open = Apply(Started, Started.Decide(Send("one"), "m1", Now, Options));

        var decision = Assert.IsType<MessageDecision.Accept>(open.Decide(Send("two"), "m2", Now, Options));

        Assert.False(decision.OpensTurn);
        Assert.Single(Apply(open, decision).Queued);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    public void An_empty_message_is_refused(string text)
    {
        Assert.IsType<MessageDecision.Empty>(Started.Decide(Send(text), "m1", Now, Options));
    }

    [Fact]
    public void A_message_over_the_character_limit_is_refused_with_its_length_and_the_limit()
    {
        var decision = Assert.IsType<MessageDecision.TooLong>(Started.Decide(Send("eleven char"), "m1", Now, Options));

        Assert.Equal(new MessageDecision.TooLong(11, 10), decision);
    }

    [Fact]
    public void A_repeated_id_with_the_same_text_is_a_duplicate_and_with_another_text_a_reuse()
    {
        var state = Apply(Started, Started.Decide(Send("hello", "k1"), "k1", Now, Options));

        Assert.Equal(new MessageDecision.Duplicate("k1"), state.Decide(Send("hello", "k1"), "k1", Now.AddSeconds(1), Options));
        Assert.Equal(new MessageDecision.IdReused("k1"), state.Decide(Send("other", "k1"), "k1", Now.AddSeconds(1), Options));
    }

    [Fact]
    public void A_duplicate_is_recognised_before_the_queue_bounds_are_checked()
    {
        var state = Apply(Started, Started.Decide(Send("one"), "m1", Now, Options));
        state = Apply(state, state.Decide(Send("two"), "m2", Now, Options));
        state = Apply(state, state.Decide(Send("three"), "m3", Now, Options));

        Assert.Equal(new MessageDecision.Duplicate("m3"), state.Decide(Send("three"), "m3", Now, Options));
    }

    [Fact]
    public void The_queue_refuses_past_its_message_count()
    {
        var state = Apply(Started, Started.Decide(Send("one"), "m1", Now, Options));
        state = Apply(state, state.Decide(Send("a"), "m2", Now, Options));
        state = Apply(state, state.Decide(Send("b"), "m3", Now, Options));

        var decision = Assert.IsType<MessageDecision.QueueRefused>(state.Decide(Send("c"), "m4", Now, Options));

        Assert.Equal(new QueueRefusal(QueueRefusalKind.TooManyMessages, 2, 2), decision.Refusal);
    }

    [Fact]
    public void The_queue_refuses_a_message_that_would_pass_its_bytes_counted_in_utf8()
    {
        var state = Apply(Started, Started.Decide(Send("one"), "m1", Now, Options));
        state = Apply(state, state.Decide(Send("12345678"), "m2", Now, Options));

        // "äää" is 3 characters and 6 UTF-8 bytes: 8 + 6 > 12.
        var decision = Assert.IsType<MessageDecision.QueueRefused>(state.Decide(Send("äää"), "m3", Now, Options));

        Assert.Equal(new QueueRefusal(QueueRefusalKind.TooManyBytes, 14, 12), decision.Refusal);
        Assert.IsType<MessageDecision.Accept>(state.Decide(Send("ää"), "m3", Now, Options));
    }

    [Fact]
    public void Creating_starts_the_conversation_with_the_given_model_and_instructions_over_the_defaults()
    {
        Assert.Equal(new ConversationStarted(Settings with { Model = "gpt-x" }),
            ConversationState.Empty.Decide(new CreateConversation("c1", Model: "gpt-x"), Settings));
        Assert.Equal(new ConversationStarted(Settings with { Instructions = "Be long." }),
            ConversationState.Empty.Decide(new CreateConversation("c1", Instructions: "Be long."), Settings));
    }

    [Fact]
    public void Creating_a_conversation_that_exists_decides_nothing()
    {
        Assert.Null(Started.Decide(new CreateConversation("c1", Model: "gpt-x"), Settings));
    }
}
