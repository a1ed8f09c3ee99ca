namespace Orchestrator.Actors.Connections;

/// <summary>Sent by a socket to its manager once its connection is open: the endpoint is reachable again.</summary>
public sealed record SocketConnected(long SocketId);

/// <summary>
/// Sent by a socket to its manager, before it stops, when the endpoint answered its upgrade with an HTTP status instead
/// of a WebSocket (426, 404, 405: no WebSocket mode there; <see cref="TransportSelector"/>).
/// </summary>
public sealed record SocketRefused(long SocketId, int Status);

/// <summary>Sent by a socket to its manager when it retires: no new leases on it; its holders may still send on it.</summary>
public sealed record SocketRetiring(long SocketId);

/// <summary>From the manager to a retiring socket: no lane is held on it any more, so it closes once its responses end.</summary>
public sealed class CloseSocket
{
    public static readonly CloseSocket Instance = new();

    private CloseSocket()
    {
    }
}

/// <summary>From the manager to its sockets: hold every request until then (the endpoint answered 429).</summary>
public sealed record PauseSends(DateTime UntilUtc);
