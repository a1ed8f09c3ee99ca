using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

/// <summary>The steering decisions of one turn, without an actor: what commits, what falls back, what is held.</summary>
public sealed class SteerBookTests
{
    private static SteerEvent Accepted(string responseId) => new(ServerEventTypes.SteerAccepted, 1, "steer_1", responseId, null, null, []);

    private static SteerEvent Failed(string responseId, string code) => new(ServerEventTypes.SteerFailed, 1, null, responseId, code, "no", []);

    private static SteerEvent Pending(string responseId) => new(ServerEventTypes.SteerPending, 1, "steer_1", responseId, null, null, ["c1"]);

    private static readonly Item Call = Item.Parse("""{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"}""");

    private static SteerBook Streaming(string responseId = "resp_1")
    {
        var book = new SteerBook();
        Assert.Null(book.Started(responseId, continuedFrom: null));
        return book;
    }

    [Fact]
    public void Nothing_is_offered_before_a_response_streams_and_each_message_is_offered_once()
    {
        var book = new SteerBook();
        Assert.Throws<InvalidOperationException>(() => book.Submit(["m1"]));

        book.Started("resp_1", null);
        book.Submit(book.NotOffered(["m1"]));

        Assert.Equal(["m2"], book.NotOffered(["m1", "m2"]));
    }

    [Fact]
    public void An_accepted_steer_holds_a_response_that_ends_without_calls_and_its_successor_commits_both()
    {
        var book = Streaming();
        book.Submit(["m1"]);
        book.On(Accepted("resp_1"));
        var parent = new ResponseRecorded("resp_1", []);

        Assert.True(book.Ended(parent));
        var commit = book.Started("resp_2", continuedFrom: null);

        Assert.NotNull(commit);
        Assert.Equal(["m1"], commit.MessageIds);
        Assert.Same(parent, commit.Parent);
        Assert.Null(book.Held);
        Assert.Equal("resp_2", book.Streaming);
    }

    [Fact]
    public void A_steer_not_yet_answered_holds_the_response_and_its_failure_releases_it_to_be_recorded()
    {
        var book = Streaming();
        book.Submit(["m1"]);
        var parent = new ResponseRecorded("resp_1", []);
        Assert.True(book.Ended(parent));

        var outcome = book.On(Failed("resp_1", "response_already_completed"));

        Assert.Equal(["m1"], outcome.FellBack);
        Assert.Equal("response_already_completed", outcome.Code);
        Assert.Same(parent, outcome.RecordNow);
        Assert.Null(book.Held);
    }

    [Fact]
    public void One_failure_of_two_leaves_the_other_to_commit()
    {
        var book = Streaming();
        book.Submit(["m1"]);
        book.Submit(["m2"]);
        book.On(Accepted("resp_1"));
        Assert.True(book.Ended(new ResponseRecorded("resp_1", [])));

        var outcome = book.On(Failed("resp_1", "too_many_pending_steers"));
        var commit = book.Started("resp_2", null);

        Assert.Equal(["m2"], outcome.FellBack);
        Assert.Null(outcome.RecordNow);
        Assert.Equal(["m1"], commit!.MessageIds);
    }

    [Fact]
    public void A_response_with_calls_is_not_held_and_the_continuation_from_it_commits_the_pending_steer()
    {
        var book = Streaming();
        book.Submit(["m1"]);
        book.On(Accepted("resp_1"));

        Assert.False(book.Ended(new ResponseRecorded("resp_1", [Call])));
        book.On(Pending("resp_1"));
        Assert.Empty(book.Sending("resp_1"));
        var commit = book.Started("resp_2", continuedFrom: "resp_1");

        Assert.Equal(["m1"], commit!.MessageIds);
        Assert.Null(commit.Parent);
    }

    [Fact]
    public void A_full_send_instead_of_the_continuation_makes_the_pending_steer_fall_back()
    {
        var book = Streaming();
        book.Submit(["m1"]);
        book.On(Accepted("resp_1"));
        book.Ended(new ResponseRecorded("resp_1", [Call]));
        book.On(Pending("resp_1"));

        Assert.Equal(["m1"], book.Sending(previousResponseId: null));
        Assert.Null(book.Started("resp_2", continuedFrom: null));
    }

    [Fact]
    public void A_response_ending_without_calls_and_with_no_steer_is_recorded_at_once()
    {
        var book = Streaming();

        Assert.False(book.Ended(new ResponseRecorded("resp_1", [])));
        Assert.Null(book.Held);
    }

    [Fact]
    public void Steering_not_supported_falls_back_with_its_code()
    {
        var book = Streaming();
        book.Submit(["m1", "m2"]);

        var outcome = book.On(Failed("resp_1", "steering_not_supported"));

        Assert.Equal(["m1", "m2"], outcome.FellBack);
        Assert.Equal("steering_not_supported", outcome.Code);
        Assert.Null(outcome.RecordNow);
    }

    [Fact]
    public void Losing_the_response_makes_everything_fall_back_and_forgets_the_held_one()
    {
        var book = Streaming();
        book.Submit(["m1"]);
        book.On(Accepted("resp_1"));
        book.Ended(new ResponseRecorded("resp_1", []));

        Assert.Equal(["m1"], book.Abandon());
        Assert.Null(book.Held);
        Assert.Null(book.Streaming);
        Assert.Equal(SteerOutcome.None, book.On(Accepted("resp_1")));
    }
}
