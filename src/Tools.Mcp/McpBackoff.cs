namespace Orchestrator.Tools.Mcp;

/// <summary>The wait before a reconnection attempt: doubling from the minimum, capped at the maximum.</summary>
internal static class McpBackoff
{
    /// <param name="failures">Attempts that failed in a row, 1 for the first.</param>
    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max)
    {
        var doublings = Math.Clamp(failures - 1, 0, 30);
        var delay = min.Ticks * Math.Pow(2, doublings);
        return delay >= max.Ticks ? max : TimeSpan.FromTicks((long)delay);
    }
}
