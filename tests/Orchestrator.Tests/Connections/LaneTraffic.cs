using Akka.Actor;
using Akka.TestKit;
using Orchestrator.Actors.Connections;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Connections;

/// <summary>What the connection specs' probes do as conversations: lease a lane, send on it, wait for the response's end.</summary>
internal static class LaneTraffic
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static LaneLease Acquire(TestProbe holder, IActorRef manager, string conversationId)
    {
        holder.Send(manager, new AcquireLane(conversationId));
        return holder.ExpectMsg<LaneGranted>(Wait).Lease;
    }

    /// <summary>
    /// Returns once <paramref name="actor"/> has handled everything <paramref name="probe"/> sent it before: it answers
    /// <see cref="Identify"/> in mailbox order. Needed before advancing <see cref="ManualTime"/>, so that what it did
    /// with those messages happened at the time before.
    /// </summary>
    public static void Barrier(TestProbe probe, IActorRef actor)
    {
        probe.Send(actor, new Identify(null));
        probe.ExpectMsg<ActorIdentity>(Wait);
    }

    public static void SendHello(TestProbe holder, LaneLease lease) =>
        holder.Send(lease.Socket, new SendRequest(lease.LeaseId, lease.Lane, Hello(lease.StreamId)));

    /// <summary>
    /// The socket has taken <paramref name="lease"/>'s request and not sent it: a second send on the lane is refused as
    /// a duplicate (so the first was handled before it), and no response is in flight.
    /// </summary>
    public static void ExpectHeld(TestProbe holder, LaneLease lease, InFlightResponses inFlight)
    {
        SendHello(holder, lease);
        Assert.Contains("already has a response in flight", holder.ExpectMsg<ModelRequestFailed>(Wait).Reason);
        Assert.Equal(0, inFlight.Count);
    }

    /// <summary>The lease id of the next response that completes, skipping the events before it.</summary>
    public static long CompletedOn(TestProbe holder) =>
        holder.FishForMessage<ModelEvent>(m => m.Event is ResponseLifecycleEvent { IsTerminal: true }, Wait).LeaseId;

    public static byte[] Hello(string? streamId) =>
        new ResponseCreate { Model = "gpt-test", Input = [Item.UserMessage("hello")], StreamId = streamId }.ToUtf8Bytes();
}
