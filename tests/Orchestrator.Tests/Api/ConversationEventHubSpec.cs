using System.Threading.Channels;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Orchestrator.Http;
using Orchestrator.Messages.Conversations;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>The replay buffers of all conversations together stay within <c>orchestrator.api.event-buffers-max-bytes</c>.</summary>
public sealed class ConversationEventHubSpec : TestKit
{
    // Each delta's buffered event takes about 2 KB, so that 7 KB hold three of them.
    private static readonly string Delta = new('x', 1000);

    [Fact]
    public void Past_the_byte_cap_the_buffer_abandoned_longest_ago_goes_first_then_the_oldest_events_of_a_buffer_still_read()
    {
        var region = CreateTestProbe();
        var hub = Sys.ActorOf(ConversationEventHub.Props(region, new ApiOptions { EventBuffersMaxBytes = 7_000, EventRetention = TimeSpan.FromHours(1) }));
        var a = Attach(hub, region, "a", null);
        var b = Attach(hub, region, "b", null);
        var c = Attach(hub, region, "c", null);
        hub.Tell(new AssistantTextDelta("a", Delta));
        hub.Tell(new AssistantTextDelta("b", Delta));
        hub.Tell(new ConversationEventHub.Detach("a", a.Writer));
        hub.Tell(new ConversationEventHub.Detach("b", b.Writer));

        hub.Tell(new AssistantTextDelta("c", Delta));
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        hub.Tell(new AssistantTextDelta("c", Delta));
        Assert.Equal("a", region.ExpectMsg<Unsubscribe>().ConversationId);
        hub.Tell(new AssistantTextDelta("c", Delta));
        Assert.Equal("b", region.ExpectMsg<Unsubscribe>().ConversationId);

        // Nothing is abandoned any more: the reader of c keeps every event live, a client resuming from before the
        // trimmed one is told it cannot.
        hub.Tell(new AssistantTextDelta("c", Delta));
        var live = Enumerable.Range(0, 4).Select(_ => ReadOne(c)).ToList();
        var epoch = live[0].Id![..live[0].Id!.LastIndexOf('-')];
        var resumed = Attach(hub, region, "c", $"{epoch}-0", subscribed: true);
        Assert.Equal(EventReplayBuffer.ResetEvent, ReadOne(resumed).Event);
        var caughtUp = Attach(hub, region, "c", live[0].Id, subscribed: true);
        Assert.Equal(live.Skip(1).Select(e => e.Id), Enumerable.Range(0, 3).Select(_ => ReadOne(caughtUp).Id));
    }

    private Channel<SseEvent> Attach(IActorRef hub, Akka.TestKit.TestProbe region, string id, string? lastEventId, bool subscribed = false)
    {
        var channel = Channel.CreateUnbounded<SseEvent>();
        hub.Tell(new ConversationEventHub.Attach(id, lastEventId, channel.Writer), TestActor);
        if (!subscribed)
        {
            region.ExpectMsg<Subscribe>(s => s.ConversationId == id);
            region.Reply(new ConversationStatus(id, "Idle", null, 0, 0, 0, null));
        }
        ExpectMsg<ConversationEventHub.Attached>();
        return channel;
    }

    private SseEvent ReadOne(Channel<SseEvent> channel)
    {
        SseEvent? e = null;
        AwaitCondition(() => channel.Reader.TryRead(out e));
        return e!;
    }
}
