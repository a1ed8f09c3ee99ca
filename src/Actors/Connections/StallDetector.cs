namespace Orchestrator.Actors.Connections;

/// <summary>
/// When a response in flight has stalled (<see cref="EndpointSettings.ResponseIdleTimeout"/>,
/// <see cref="EndpointSettings.ResponseTimeout"/>) and how often a socket looks: a quarter of the shortest limit, at
/// most a second apart, so that a stall is found within a quarter of its limit (or a second) after it.
/// </summary>
public static class StallDetector
{
    private static readonly TimeSpan MaxSweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often responses in flight are checked; null when no limit is set.</summary>
    public static TimeSpan? SweepInterval(EndpointSettings settings)
    {
        var shortest = (settings.ResponseIdleTimeout, settings.ResponseTimeout) switch
        {
            ({ } idle, { } total) => idle < total ? idle : total,
            var (idle, total) => idle ?? total,
        };
        if (shortest is not { } limit) return null;
        var quarter = limit / 4;
        return quarter < MaxSweepInterval ? quarter : MaxSweepInterval;
    }

    /// <summary>Why a response silent for <paramref name="silence"/> and running for <paramref name="running"/> has stalled; null while it has not.</summary>
    public static string? Stalled(TimeSpan silence, TimeSpan running, EndpointSettings settings) =>
        silence >= settings.ResponseIdleTimeout ? $"the response stalled: no event from the server for {silence.TotalSeconds:0.#} s"
        : running >= settings.ResponseTimeout ? $"the response stalled: not finished after {running.TotalSeconds:0.#} s"
        : null;
}
