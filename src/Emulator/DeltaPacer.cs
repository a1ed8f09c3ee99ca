using System.Diagnostics;

namespace Orchestrator.Emulator;

/// <summary>
/// Paces one response's output deltas. A "token" is one delta event (a text delta of up to three words, or an
/// arguments delta of up to 24 characters). With <see cref="EmulatorOptions.TokensPerSecond"/> the k-th delta is due
/// k / rate after the output began, on the monotonic clock: a late delta makes the next ones wait less, so the rate
/// holds over the response instead of drifting by each wait's overshoot. Otherwise each delta waits
/// <see cref="EmulatorOptions.TokenLatency"/>.
/// </summary>
internal sealed class DeltaPacer(double tokensPerSecond, TimeSpan tokenLatency, long startedTimestamp)
{
    private long _deltas;

    /// <summary>How long to wait, at <paramref name="nowTimestamp"/> (a <see cref="Stopwatch"/> timestamp), before the next delta.</summary>
    public TimeSpan WaitBeforeNext(long nowTimestamp)
    {
        if (tokensPerSecond <= 0)
        {
            return tokenLatency;
        }

        _deltas++;
        TimeSpan due = TimeSpan.FromSeconds(_deltas / tokensPerSecond);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(startedTimestamp, nowTimestamp);
        return due > elapsed ? due - elapsed : TimeSpan.Zero;
    }
}
