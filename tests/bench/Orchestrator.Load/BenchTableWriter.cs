using System.Globalization;

namespace Orchestrator.Load;

/// <summary><c>bench</c> without <c>--json</c>: one column per run, one row per figure, then the ratios.</summary>
public static class BenchTableWriter
{
    public static void Write(BenchReport report, TextWriter output)
    {
        var s = report.Scenario;
        output.WriteLine($"bench {report.Started:yyyy-MM-dd HH:mm}Z · {BenchReport.Machine} · load {report.LoadAverageAtStart}");
        output.WriteLine($"C={s.Conversations} conversations × R={s.Rounds} rounds × N={s.Tools} tools, L={s.ModelLatency.TotalMilliseconds:0}±{s.ModelLatencyJitter.TotalMilliseconds:0} ms, T={s.ToolLatency.TotalMilliseconds:0} ms, warm-up {s.WarmUpConversations}, endpoint {report.Endpoint}, journal {report.Journal}");
        output.WriteLine();

        var runs = report.Runs.ToList();
        var rows = new List<(string Label, Func<BenchResult, string> Value)>
        {
            ("completed / failed", r => $"{r.Completed} / {r.Failed}"),
            ("model turns", r => $"{r.Turns}"),
            ("seconds", r => F(r.Seconds, "0.00")),
            ("model turns/s", r => F(r.TurnsPerSecond, "0")),
            ("  while all run", r => F(r.TurnsPerSecondAllRunning, "0")),
            ("overhead p50/p95/p99 ms", r => Spread(r.OverheadMs)),
            ("  tool results → request", r => Spread(r.ToolResultsToRequestMs)),
            ("  response → tools", r => Spread(r.ResponseToToolsMs)),
            ("lease wait p50/p95/p99 ms", r => Spread(r.LeaseWaitMs)),
            ("turns in flight, peak", r => r.PeakTurnsInFlight?.ToString(CultureInfo.InvariantCulture) ?? "-"),
            ("sockets × lanes", r => r.MaxSockets is { } sockets ? $"{sockets} × {r.LanesPerConnection}" : "-"),
            ($"bytes, request 2 / {report.LastIndex + 1}", r => $"{F(r.MeanBytesAt(1, true) ?? r.MeanBytesAt(1, false), "0")} / {F(r.MeanBytesAt(report.LastIndex, true) ?? r.MeanBytesAt(report.LastIndex, false), "0")}"),
            ("continuations / requests", r => F(r.ContinuationShare, "0.000")),
            ("CPU s per 1000 turns", r => F(r.CpuSecondsPer1000Turns, "0.000")),
            ("allocated KB per turn", r => F(r.AllocatedKbPerTurn, "0.0")),
            ("peak RSS MB", r => F(r.PeakRssMb, "0")),
            ("RSS KB / conversation, at most", r => F(r.RssKbPerConversation, "0.0")),
            ("managed KB / idle conversation", r => F(r.ManagedKbPerConversation, "0.0")),
            ("live after passivation", r => r.LiveAfterPassivation?.ToString() ?? "—"),
            ("journal writes/s", r => F(r.JournalWritesPerSecond, "0")),
        };

        var width = rows.Max(r => r.Label.Length) + 2;
        // As wide as the widest value, so that columns never run together (percentiles under load reach seconds).
        var column = 2 + Math.Max(24, runs.Max(r => Math.Max(r.Name.Length, rows.Max(row => row.Value(r).Length))));
        output.WriteLine("".PadRight(width) + string.Concat(runs.Select(r => r.Name.PadLeft(column))));
        foreach (var (label, value) in rows)
            output.WriteLine(label.PadRight(width) + string.Concat(runs.Select(r => value(r).PadLeft(column))));

        output.WriteLine();
        if (report.ContinuationRatio is { } ratio)
            output.WriteLine($"continuation: request {report.LastIndex + 1} is {ratio:0.0}× smaller than the full send; it is {report.ContinuationGrowth:0.00}× the size of request 2");
        if (report.FullSend is { } full)
            output.WriteLine($"vs full send: {F(BenchReport.Ratio(report.Engine.TurnsPerSecond, full.TurnsPerSecond), "0.00")}× turns/s, {F(BenchReport.Ratio(report.Engine.CpuSecondsPer1000Turns, full.CpuSecondsPer1000Turns), "0.00")}× CPU per turn");
        if (report.AgentsSdk is { } sdk)
            output.WriteLine($"vs Agents SDK: {F(BenchReport.Ratio(report.Engine.TurnsPerSecond, sdk.TurnsPerSecond), "0.00")}× turns/s, {F(BenchReport.Ratio(report.Engine.CpuSecondsPer1000Turns, sdk.CpuSecondsPer1000Turns), "0.00")}× CPU per turn");
        foreach (var run in runs.Where(r => r.FirstFailure is not null))
            output.WriteLine($"{run.Name}: first failure: {run.FirstFailure}");
        output.Flush();
    }

    private static string Spread(Percentiles? p) => p is null ? "-" : $"{F(p.P50, "0.00")} / {F(p.P95, "0.00")} / {F(p.P99, "0.00")}";

    private static string F(double? value, string format) =>
        value is { } v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
