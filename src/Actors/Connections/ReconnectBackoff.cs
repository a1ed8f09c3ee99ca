namespace Orchestrator.Actors.Connections;

/// <summary>Exponential backoff with jitter for reconnects, so that a fleet of nodes does not retry in lockstep.</summary>
public static class ReconnectBackoff
{
    /// <summary>The wait before the next attempt after <paramref name="consecutiveFailures"/> failures (zero when none).</summary>
    public static TimeSpan Delay(int consecutiveFailures, TimeSpan min, TimeSpan max, double jitter01)
    {
        if (consecutiveFailures <= 0) return TimeSpan.Zero;
        var exponent = Math.Min(consecutiveFailures - 1, 30);
        var raw = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, exponent));
        // Jitter spreads the wait over [0.8, 1.2] of the nominal delay, never above max.
        var spread = raw * (0.8 + 0.4 * Math.Clamp(jitter01, 0, 1));
        return TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, spread));
    }
}
