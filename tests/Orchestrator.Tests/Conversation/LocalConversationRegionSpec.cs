using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Conversations;
using Xunit;

namespace Orchestrator.Tests.Conversation;

/// <summary>
/// <see cref="LocalConversationRegion"/>, the region of a process without a cluster: one child per conversation id, and
/// the shard's passivation handshake, with what arrives meanwhile handed to the next incarnation.
/// </summary>
public sealed class LocalConversationRegionSpec : TestKit
{
    private int _incarnations;

    [Fact]
    public void Messages_reach_one_child_per_conversation_id()
    {
        var region = Sys.ActorOf(LocalConversationRegion.Props(EntityProps));

        region.Tell(new Ping("c-a", "1"));
        region.Tell(new Ping("c-b", "2"));
        region.Tell(new Ping("c-a", "3"));

        // Two children run side by side: only each one's own order is given.
        var pongs = ReceiveN(3).Cast<Pong>().ToList();
        var a = pongs.Where(p => p.Id == "c-a").ToList();
        var b = Assert.Single(pongs, p => p.Id == "c-b");
        Assert.Equal(["1", "3"], a.Select(p => p.Text));
        Assert.Single(a.Select(p => p.Incarnation).Distinct());
        Assert.NotEqual(a[0].Incarnation, b.Incarnation);
        Assert.Equal(2, _incarnations);
    }

    [Fact]
    public void What_arrives_while_a_conversation_passivates_goes_in_order_to_its_next_incarnation()
    {
        var region = Sys.ActorOf(LocalConversationRegion.Props(EntityProps));
        region.Tell(new PassivateMe("c-p"));
        var stopping = ExpectMsg<Stopping>();

        region.Tell(new Ping("c-p", "a"));
        region.Tell(new Ping("c-p", "b"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        stopping.Entity.Tell(Release.Instance);

        Assert.Equal(new Pong("c-p", 2, "a"), ExpectMsg<Pong>());
        Assert.Equal(new Pong("c-p", 2, "b"), ExpectMsg<Pong>());
    }

    [Fact]
    public void A_conversation_that_stopped_by_itself_is_started_again_by_its_next_message()
    {
        var region = Sys.ActorOf(LocalConversationRegion.Props(EntityProps));
        region.Tell(new Ping("c-s", "a"));
        var first = ExpectMsg<Pong>();
        Watch(LastSender);
        LastSender.Tell(PoisonPill.Instance);
        ExpectTerminated(LastSender);

        region.Tell(new Ping("c-s", "b"));

        Assert.Equal(new Pong("c-s", 1, "a"), first);
        Assert.Equal(new Pong("c-s", 2, "b"), ExpectMsg<Pong>());
    }

    private Props EntityProps(string id)
    {
        var incarnation = Interlocked.Increment(ref _incarnations);
        var probe = TestActor;
        return Props.Create(() => new Entity(id, probe, incarnation));
    }

    private sealed record Ping(string ConversationId, string Text) : IWithConversationId;

    private sealed record PassivateMe(string ConversationId) : IWithConversationId;

    private sealed record Pong(string Id, int Incarnation, string Text);

    private sealed record Stopping(IActorRef Entity);

    private sealed class Release
    {
        public static readonly Release Instance = new();
    }

    private sealed class StopNow
    {
        public static readonly StopNow Instance = new();
    }

    /// <summary>Answers pings to the sender; asked to passivate, it waits for <see cref="Release"/> before it stops.</summary>
    private sealed class Entity : ReceiveActor
    {
        public Entity(string id, IActorRef probe, int incarnation)
        {
            Receive<Ping>(ping => Sender.Tell(new Pong(id, incarnation, ping.Text)));
            Receive<PassivateMe>(_ => Context.Parent.Tell(new Passivate(StopNow.Instance)));
            Receive<StopNow>(_ => probe.Tell(new Stopping(Self)));
            Receive<Release>(_ => Context.Stop(Self));
        }
    }
}
