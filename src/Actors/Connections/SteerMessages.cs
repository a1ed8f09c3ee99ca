namespace Orchestrator.Actors.Connections;

/// <summary>
/// Sends a <c>response.steer</c> for <see cref="ResponseId"/>, streaming on the leased lane. Its answers, and the
/// events of an automatic successor that starts on the lane after the response ends, come back to the sender as
/// <see cref="ModelEvent"/>s under the same lease.
/// </summary>
public sealed record SendSteer(long LeaseId, int Lane, string ResponseId, byte[] Payload);
