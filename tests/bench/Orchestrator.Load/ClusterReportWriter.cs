using System.Globalization;
using System.Text.Json.Nodes;

namespace Orchestrator.Load;

/// <summary>Prints a <see cref="ClusterBenchResult"/>: one JSON object with <c>--json</c>, else a few lines.</summary>
public static class ClusterReportWriter
{
    public static void Write(ClusterBenchResult result, bool json, TextWriter stdout)
    {
        if (json)
        {
            stdout.WriteLine(Json(result).ToJsonString());
            return;
        }
        var s = result.Scenario;
        stdout.WriteLine(FormattableString.Invariant(
            $"{result.Nodes} serve node(s) on one PostgreSQL journal, C={s.Conversations} R={s.Rounds} N={s.Tools} through the nodes' HTTP APIs (round robin), warm-up {s.WarmUpConversations}"));
        stdout.WriteLine(FormattableString.Invariant($"  {result.Started:yyyy-MM-dd'T'HH:mm:ss'Z'}, {BenchReport.Machine}, load average {result.LoadAverageAtStart} at start, {result.LoadAverageAtEnd} at end"));
        stdout.WriteLine(FormattableString.Invariant($"  completed (exact digest)        {result.Completed,10} of {s.Conversations}, failed {result.Failed}, requests retried after 503/504 {result.Retries}"));
        stdout.WriteLine(FormattableString.Invariant($"  model turns                     {result.Turns,10} in {result.Seconds:0.00} s"));
        stdout.WriteLine(FormattableString.Invariant($"  aggregate turns/s               {result.TurnsPerSecond,10:0}"));
        stdout.WriteLine(FormattableString.Invariant($"  nodes' CPU s per 1,000 turns    {Text(result.NodesCpuSecondsPer1000Turns),10}"));
        stdout.WriteLine(FormattableString.Invariant($"  bench CPU s (clients, emulator) {result.BenchCpuSeconds,10:0.00}"));
        stdout.WriteLine(FormattableString.Invariant($"  journal writes/s                {result.JournalWritesPerSecond,10:0}"));
        foreach (var node in result.NodeFigures)
            stdout.WriteLine(FormattableString.Invariant($"  node {node.Index} {node.Address}: {node.Conversations} conversations sent to it, CPU {node.CpuSeconds:0.00} s, peak RSS {node.PeakRssMb:0} MB"));
        if (result.FirstFailure is { } failure) stdout.WriteLine($"  first failure: {failure}");
    }

    public static JsonObject Json(ClusterBenchResult result)
    {
        var s = result.Scenario;
        var nodes = new JsonArray();
        foreach (var node in result.NodeFigures)
        {
            nodes.Add(new JsonObject
            {
                ["index"] = node.Index,
                ["address"] = node.Address,
                ["conversations"] = node.Conversations,
                ["cpu_seconds"] = Round(node.CpuSeconds),
                ["peak_rss_mb"] = Round(node.PeakRssMb),
            });
        }
        return new JsonObject
        {
            ["nodes"] = result.Nodes,
            ["conversations"] = s.Conversations,
            ["completed"] = result.Completed,
            ["failed"] = result.Failed,
            ["turns"] = result.Turns,
            ["retries"] = result.Retries,
            ["seconds"] = Round(result.Seconds),
            ["turns_per_second"] = Round(result.TurnsPerSecond),
            ["nodes_cpu_seconds"] = Round(result.NodesCpuSeconds),
            ["nodes_cpu_seconds_per_1000_turns"] = result.NodesCpuSecondsPer1000Turns is { } cpu ? Round(cpu) : null,
            ["bench_cpu_seconds"] = Round(result.BenchCpuSeconds),
            ["journal_writes"] = result.JournalWrites,
            ["journal_writes_per_second"] = Round(result.JournalWritesPerSecond),
            ["node_figures"] = nodes,
            ["first_failure"] = result.FirstFailure,
            ["scenario"] = new JsonObject
            {
                ["conversations"] = s.Conversations,
                ["rounds"] = s.Rounds,
                ["tools"] = s.Tools,
                ["model_latency_ms"] = s.ModelLatency.TotalMilliseconds,
                ["model_latency_jitter_ms"] = s.ModelLatencyJitter.TotalMilliseconds,
                ["tool_latency_ms"] = s.ToolLatency.TotalMilliseconds,
                ["warm_up"] = s.WarmUpConversations,
                ["endpoint"] = "in-process emulator",
                ["journal"] = "postgres",
                ["pool_per_node"] = ClusterNodeSettings.PoolPerNode,
            },
            ["date"] = result.Started.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["machine"] = BenchReport.Machine,
            ["load_average_at_start"] = result.LoadAverageAtStart,
            ["load_average_at_end"] = result.LoadAverageAtEnd,
        };
    }

    private static double Round(double value) => Math.Round(value, 3);

    private static string Text(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}
