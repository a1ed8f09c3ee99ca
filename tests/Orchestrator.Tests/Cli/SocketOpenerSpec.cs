using Akka.Actor;
using Akka.TestKit.Xunit2;
using Orchestrator.Actors.Connections;
using Orchestrator.Cli;
using Xunit;

namespace Orchestrator.Tests.Cli;

public sealed class SocketOpenerSpec : TestKit
{
    [Fact]
    public void It_leases_a_lane_for_the_conversation_gives_it_back_at_once_and_stays_alive()
    {
        var manager = CreateTestProbe();
        var opener = Sys.ActorOf(SocketOpener.Props(manager.Ref, "c-1"));
        Watch(opener);

        Assert.Equal("c-1", manager.ExpectMsg<AcquireLane>().ConversationId);
        opener.Tell(new LaneGranted(new LaneLease(LeaseId: 7, Socket: ActorRefs.Nobody, SocketId: 1, Lane: 0, CachedResponseId: null)), manager.Ref);

        var release = manager.ExpectMsg<ReleaseLane>();
        Assert.Equal(7, release.LeaseId);
        Assert.Null(release.LastResponseId);
        Assert.False(release.Cold);
        // A holder that stops retires its socket: the opener outlives its lease.
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_lane_refused_leaves_nothing_to_give_back()
    {
        var manager = CreateTestProbe();
        var opener = Sys.ActorOf(SocketOpener.Props(manager.Ref, "c-2"));

        manager.ExpectMsg<AcquireLane>();
        opener.Tell(new LaneUnavailable("c-2", "full"), manager.Ref);

        manager.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
