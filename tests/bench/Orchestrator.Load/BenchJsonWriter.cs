using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Load;

/// <summary><c>bench --json</c>: one JSON object; the engine's figures at the top level, each baseline under <c>baselines</c>, ratios under <c>ratios</c>.</summary>
public static class BenchJsonWriter
{
    public static void Write(BenchReport report, TextWriter output)
    {
        var root = Figures(report.Engine);
        root["continuation_ratio"] = Round(report.ContinuationRatio);
        root["continuation_growth"] = Round(report.ContinuationGrowth);
        root["scenario"] = new JsonObject
        {
            ["conversations"] = report.Scenario.Conversations,
            ["rounds"] = report.Scenario.Rounds,
            ["tools"] = report.Scenario.Tools,
            ["model_latency_ms"] = report.Scenario.ModelLatency.TotalMilliseconds,
            ["model_latency_jitter_ms"] = report.Scenario.ModelLatencyJitter.TotalMilliseconds,
            ["tool_latency_ms"] = report.Scenario.ToolLatency.TotalMilliseconds,
            ["warm_up"] = report.Scenario.WarmUpConversations,
            ["endpoint"] = report.Endpoint,
            ["journal"] = report.Journal,
        };
        root["date"] = report.Started.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        root["machine"] = BenchReport.Machine;
        root["load_average_at_start"] = report.LoadAverageAtStart;

        var baselines = new JsonObject();
        if (report.FullSend is { } full) baselines["full_send"] = Figures(full);
        if (report.AgentsSdk is { } sdk) baselines["agents_sdk"] = Figures(sdk);
        root["baselines"] = baselines;

        var ratios = new JsonObject();
        if (report.FullSend is { } f)
        {
            ratios["turns_per_second_vs_full_send"] = Round(BenchReport.Ratio(report.Engine.TurnsPerSecond, f.TurnsPerSecond));
            ratios["cpu_per_turn_vs_full_send"] = Round(BenchReport.Ratio(report.Engine.CpuSecondsPer1000Turns, f.CpuSecondsPer1000Turns));
            ratios["bytes_last_request_vs_full_send"] = Round(BenchReport.Ratio(1, report.ContinuationRatio));
        }
        if (report.AgentsSdk is { } s)
        {
            ratios["turns_per_second_vs_agents_sdk"] = Round(BenchReport.Ratio(report.Engine.TurnsPerSecond, s.TurnsPerSecond));
            ratios["cpu_per_turn_vs_agents_sdk"] = Round(BenchReport.Ratio(report.Engine.CpuSecondsPer1000Turns, s.CpuSecondsPer1000Turns));
        }
        root["ratios"] = ratios;

        output.WriteLine(root.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        output.Flush();
    }

    private static JsonObject Figures(BenchResult r) => new()
    {
        ["name"] = r.Name,
        ["conversations"] = r.Conversations,
        ["completed"] = r.Completed,
        ["failed"] = r.Failed,
        ["first_failure"] = r.FirstFailure,
        ["turns"] = r.Turns,
        ["seconds"] = Round(r.Seconds),
        ["turns_per_second"] = Round(r.TurnsPerSecond),
        ["turns_per_second_all_running"] = Round(r.TurnsPerSecondAllRunning),
        ["overhead_ms"] = Summary(r.OverheadMs, withParts: r),
        ["lease_wait_ms"] = Summary(r.LeaseWaitMs),
        ["turns_in_flight_peak"] = r.PeakTurnsInFlight,
        ["max_sockets"] = r.MaxSockets,
        ["lanes_per_connection"] = r.LanesPerConnection,
        ["bytes_per_continuation"] = Round(r.BytesPerContinuation),
        ["bytes_per_full_send"] = Round(r.BytesPerFullSend),
        ["continuation_share"] = Round(r.ContinuationShare),
        ["requests_by_index"] = new JsonArray(r.RequestsByIndex
            .Select(q => (JsonNode)new JsonObject { ["index"] = q.Index, ["kind"] = q.Continuation ? "continuation" : "full", ["count"] = q.Count, ["mean_bytes"] = Round(q.MeanBytes) })
            .ToArray()),
        ["cpu_seconds"] = Round(r.CpuSeconds),
        ["cpu_seconds_per_1000_turns"] = Round(r.CpuSecondsPer1000Turns),
        ["allocated_kb_per_turn"] = Round(r.AllocatedKbPerTurn),
        ["peak_rss_mb"] = Round(r.PeakRssMb),
        ["rss_kb_per_conversation"] = Round(r.RssKbPerConversation),
        ["managed_kb_per_conversation"] = Round(r.ManagedKbPerConversation),
        ["live_conversations_after_passivation"] = r.LiveAfterPassivation,
        ["journal_writes"] = r.JournalWrites,
        ["journal_writes_per_second"] = Round(r.JournalWritesPerSecond),
    };

    private static JsonNode? Summary(Percentiles? p, BenchResult? withParts = null)
    {
        if (p is null) return null;
        var node = new JsonObject { ["count"] = p.Count, ["p50"] = Round(p.P50), ["p95"] = Round(p.P95), ["p99"] = Round(p.P99), ["max"] = Round(p.Max) };
        if (withParts is not null)
        {
            node["tool_results_to_request"] = Summary(withParts.ToolResultsToRequestMs);
            node["response_to_tools"] = Summary(withParts.ResponseToToolsMs);
        }
        return node;
    }

    /// <summary>Three decimals are more than the measurements can tell; NaN (no sample) is written as null.</summary>
    private static double? Round(double? value) => value is { } v && !double.IsNaN(v) && !double.IsInfinity(v) ? Math.Round(v, 3) : null;
}
