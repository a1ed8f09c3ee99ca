namespace Orchestrator.Actors.Connections;

/// <summary>What a socket's stop means for the connects to come (<see cref="ConnectionPolicy.Stopped"/>).</summary>
/// <param name="Failed">It never connected: a failed attempt.</param>
/// <param name="Backoff">The wait this failure starts before the next socket opens; null when it adds none.</param>
/// <param name="ConsecutiveFailures">Failed backoff steps in a row, this one included.</param>
public readonly record struct SocketStop(bool Failed, TimeSpan? Backoff, int ConsecutiveFailures)
{
    /// <summary>It had connected: no backoff.</summary>
    public static SocketStop Closed => default;

    /// <summary>It failed with others opened in the same wave, whose backoff is already running.</summary>
    public static SocketStop FailedInWave => new(true, null, 0);

    public static SocketStop BackedOff(int consecutiveFailures, TimeSpan delay) => new(true, delay, consecutiveFailures);
}
