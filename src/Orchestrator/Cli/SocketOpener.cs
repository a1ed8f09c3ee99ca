using Akka.Actor;
using Orchestrator.Actors.Connections;

namespace Orchestrator.Cli;

/// <summary>
/// Leases a lane for a conversation and gives it back at once, so that the connection manager opens its first socket
/// while the conversation recovers. It stays alive, holding nothing: a holder that stops retires its socket.
/// </summary>
public sealed class SocketOpener : ReceiveActor
{
    public SocketOpener(IActorRef connectionManager, string conversationId)
    {
        Receive<LaneGranted>(granted => connectionManager.Tell(new ReleaseLane(granted.Lease.LeaseId, LastResponseId: null)));
        // No lane now (the manager's queue is full): the turn asks again for itself.
        Receive<LaneUnavailable>(_ => { });
        connectionManager.Tell(new AcquireLane(conversationId));
    }

    public static Props Props(IActorRef connectionManager, string conversationId) =>
        Akka.Actor.Props.Create(() => new SocketOpener(connectionManager, conversationId));
}
