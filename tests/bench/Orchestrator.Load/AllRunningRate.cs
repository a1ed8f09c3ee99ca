using System.Diagnostics;

namespace Orchestrator.Load;

/// <summary>
/// Model turns per second while every conversation of a run is still running: the responses that ended after the
/// first one and up to the first conversation's end, over that span. The rate over the whole measured phase also
/// counts the start, when no response has come back yet, and the tail, when only the slowest conversations remain;
/// with a jittered model latency that tail is long (the slowest of C sums of R+1 draws), so the whole-phase rate
/// stays well below what the engine sustains.
/// </summary>
public static class AllRunningRate
{
    /// <param name="responsesEnded"><see cref="Stopwatch.GetTimestamp"/> of each model response's end.</param>
    /// <param name="firstConversationEnded"><see cref="Stopwatch.GetTimestamp"/> at which the first conversation ended.</param>
    /// <returns>Null when no response ended inside the span.</returns>
    public static double? PerSecond(IReadOnlyCollection<long> responsesEnded, long firstConversationEnded)
    {
        if (responsesEnded.Count == 0) return null;
        var first = responsesEnded.Min();
        var inside = responsesEnded.Count(t => t > first && t <= firstConversationEnded);
        return inside == 0 ? null : inside / Stopwatch.GetElapsedTime(first, firstConversationEnded).TotalSeconds;
    }
}
