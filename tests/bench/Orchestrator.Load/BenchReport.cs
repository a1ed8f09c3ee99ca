using System.Runtime;
using System.Runtime.InteropServices;

namespace Orchestrator.Load;

/// <summary>Everything one <c>bench</c> invocation measured: the engine, its baselines from the same run, and where it ran.</summary>
public sealed record BenchReport(
    BenchScenario Scenario,
    string Endpoint,
    string Journal,
    BenchResult Engine,
    BenchResult? FullSend,
    BenchResult? AgentsSdk,
    DateTimeOffset Started,
    string LoadAverageAtStart)
{
    public static string Machine =>
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC";

    /// <summary>The first three figures of /proc/loadavg: how busy the machine was with other work.</summary>
    public static string ReadLoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public IEnumerable<BenchResult> Runs => new[] { Engine, FullSend, AgentsSdk }.OfType<BenchResult>();

    public int Failed => Runs.Sum(r => r.Failed);

    /// <summary>The last request of a turn carries round R's outputs: the one whose size the history would grow most.</summary>
    public int LastIndex => Scenario.Rounds;

    /// <summary>Full-send bytes of the baseline's last request over the engine's continuation bytes for the same request.</summary>
    public double? ContinuationRatio =>
        FullSend?.MeanBytesAt(LastIndex, continuation: false) is { } full && Engine.MeanBytesAt(LastIndex, continuation: true) is { } delta
            ? full / delta
            : null;

    /// <summary>The last continuation's size over the first's (request 2 of the turn): 1.0 when history costs nothing.</summary>
    public double? ContinuationGrowth =>
        Engine.MeanBytesAt(LastIndex, continuation: true) is { } last && Engine.MeanBytesAt(1, continuation: true) is { } first
            ? last / first
            : null;

    public static double? Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 && !double.IsNaN(n) && !double.IsNaN(d) ? n / d : null;
}
