using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

/// <summary>Idempotency keys: recognised by id and text, expired by the times in the journal, bounded in count.</summary>
public class MessageKeysTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static UserMessageAccepted Message(string id, DateTimeOffset? at, string text = "hello") => new(id, Item.UserMessage(text), at);

    private static ConversationState Apply(params IPersistedEvent[] events) =>
        events.Aggregate(ConversationState.Empty, (state, e) => state.Apply(e));

    private static ConversationState Answered(ConversationState state) => state.Apply(new ResponseRecorded($"resp_{state.Window.Count}", [], null));

    [Fact]
    public void A_key_is_known_with_its_text_until_its_window_has_passed()
    {
        var state = Apply(Message("k1", T0, "hello"));

        var key = state.MessageIds.Find("k1", T0 + MessageKeys.Window - TimeSpan.FromSeconds(1));
        Assert.NotNull(key);
        Assert.True(key.Matches("hello"));
        Assert.False(key.Matches("hello again"));
        Assert.Null(state.MessageIds.Find("k1", T0 + MessageKeys.Window));
    }

    [Fact]
    public void Expired_keys_are_pruned_from_the_state_and_its_snapshot_when_a_later_message_is_accepted()
    {
        var state = Answered(Apply(Message("old-1", T0), Message("old-2", T0 + TimeSpan.FromHours(1))));
        state = state.Apply(Message("new", T0 + MessageKeys.Window + TimeSpan.FromMinutes(30)));

        Assert.Equal(["old-2", "new"], state.MessageIds.All.Select(k => k.MessageId));
        Assert.Equal(["old-2", "new"], state.ToSnapshot().MessageKeys!.Select(k => k.MessageId));
        Assert.Empty(state.ToSnapshot().MessageIds);
    }

    [Fact]
    public void An_expired_key_accepted_again_is_a_new_message_and_keeps_one_entry()
    {
        var state = Answered(Apply(Message("k1", T0, "first")));
        state = state.Apply(Message("k1", T0 + MessageKeys.Window + TimeSpan.FromHours(1), "second"));

        Assert.Equal(["k1"], state.MessageIds.All.Select(k => k.MessageId));
        Assert.True(state.MessageIds.Find("k1", T0 + MessageKeys.Window + TimeSpan.FromHours(2))!.Matches("second"));
    }

    [Fact]
    public void Only_the_newest_keys_are_kept_beyond_the_count_cap()
    {
        var keys = Enumerable.Range(0, MessageKeys.MaxKeys + 5)
            .Aggregate(MessageKeys.Empty, (k, i) => k.Add($"k{i}", "text", T0 + TimeSpan.FromSeconds(i)));

        Assert.Equal(MessageKeys.MaxKeys, keys.Count);
        Assert.Equal("k5", keys.All.First().MessageId);
        Assert.Null(keys.Find("k4", T0));
    }

    [Fact]
    public void Keys_from_events_without_times_count_from_the_first_timed_message_after_them()
    {
        var state = Answered(Apply(Message("untimed", null)));
        state = Answered(state.Apply(Message("timed", T0)));

        Assert.Equal(T0, state.MessageIds.Find("untimed", T0)!.AcceptedAt);
        state = state.Apply(Message("later", T0 + MessageKeys.Window + TimeSpan.FromSeconds(1)));
        Assert.Equal(["later"], state.MessageIds.All.Select(k => k.MessageId));
    }

    [Fact]
    public void Keys_survive_a_snapshot_and_bare_ids_of_an_old_snapshot_match_any_text()
    {
        var state = Apply(Message("k1", T0, "hello"));
        var restored = ConversationState.FromSnapshot(state.ToSnapshot());
        Assert.Equal(state.MessageIds.All, restored.MessageIds.All);

        var old = ConversationState.FromSnapshot(state.ToSnapshot() with { MessageIds = ["k0"], MessageKeys = null });
        Assert.True(old.MessageIds.Find("k0", T0)!.Matches("any text at all"));
    }
}
