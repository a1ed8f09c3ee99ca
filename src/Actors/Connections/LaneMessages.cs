using Akka.Actor;

namespace Orchestrator.Actors.Connections;

/// <summary>A conversation asks its node's connection manager for a lane to send on; answered by <see cref="LaneGranted"/> or <see cref="LaneUnavailable"/>.</summary>
public sealed record AcquireLane(string ConversationId);

/// <summary>
/// The right to send on one lane of one socket until released. <see cref="CachedResponseId"/> is the latest
/// response completed on that lane, i.e. what the server's connection-local cache holds: a chain is warm on
/// this lease exactly when it equals the conversation's last response id. Over <see cref="Transport.Http"/>,
/// <see cref="Socket"/> is the endpoint's <see cref="ResponsesHttp"/>, and nothing is cached: no lane, no cached id.
/// </summary>
public sealed record LaneLease(long LeaseId, IActorRef Socket, long SocketId, int Lane, string? CachedResponseId, string? StreamId = null, Transport Transport = Transport.WebSocket);

public sealed record LaneGranted(LaneLease Lease);

public sealed record LaneUnavailable(string ConversationId, string Reason);

/// <summary>
/// Gives the lane back; <see cref="LastResponseId"/> is the latest response completed on it by the holder. Cold: the
/// server dropped what the lane's cache held for the holder (an error answered its continuation), so nobody is warm on it.
/// </summary>
public sealed record ReleaseLane(long LeaseId, string? LastResponseId, bool Cold = false);

/// <summary>The socket under a lease died; the holder's chain is cold and any request in flight on it is lost.</summary>
public sealed record LaneLost(long LeaseId, string Reason);

/// <summary>The endpoint answered 429: no request goes to it until the pause is over.</summary>
public sealed record EndpointThrottled(TimeSpan RetryAfter);
