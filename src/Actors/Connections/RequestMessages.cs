using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>Sends one client event on a leased lane; events of the response come back to the sender as <see cref="ModelEvent"/> (those <see cref="HolderEvents"/> passes on).</summary>
public sealed record SendRequest(long LeaseId, int Lane, byte[] Payload);

public sealed record ModelEvent(long LeaseId, ServerEvent Event);

/// <summary>The socket is retiring and refused the request before sending anything: take a new lane and send again (in full).</summary>
public sealed record LaneRetired(long LeaseId);

/// <summary>
/// The transport failed before the response finished: partial output is void and the request must be sent again in full.
/// <see cref="Stalled"/>: the connection is up but the response went silent (or ran past its limit); its socket retires.
/// </summary>
public sealed record ModelRequestFailed(long LeaseId, string Reason, bool Stalled = false);

/// <summary>
/// To <see cref="ResponsesHttp"/>: nobody waits for the response of this HTTP lease any more (a cancelled turn, a
/// stopped holder), so its request is aborted and answered with <see cref="ModelRequestFailed"/>. A WebSocket has no
/// cancel event: there the response runs to its end and its lane is given back then.
/// </summary>
public sealed record CancelRequest(long LeaseId);
