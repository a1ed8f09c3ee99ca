using Orchestrator.Load;
using Xunit;

namespace Orchestrator.Tests.Bench;

/// <summary>The table <c>bench</c> prints without <c>--json</c>.</summary>
public sealed class BenchTableWriterSpec
{
    [Fact]
    public void Columns_stay_apart_when_percentiles_under_load_reach_seconds()
    {
        var slow = new Percentiles(1000, 1183.45, 2680.27, 3679.35, 4000);
        BenchResult Run(string name) => new()
        {
            Name = name, Conversations = 1000, Completed = 1000, Failed = 0, Turns = 21000, Seconds = 72, CpuSeconds = 70, PeakRssMb = 420,
            OverheadMs = slow, ToolResultsToRequestMs = slow, ResponseToToolsMs = slow,
        };
        var report = new BenchReport(new BenchScenario(1000, 20, 3, TimeSpan.Zero, TimeSpan.Zero), "ws://127.0.0.1:1/v1/responses", "sqlite",
            Run("engine"), Run("engine-full-send"), null, DateTimeOffset.UnixEpoch, "0.00 0.00 0.00");
        using var output = new StringWriter();

        BenchTableWriter.Write(report, output);

        var overhead = output.ToString().Split('\n').Single(l => l.StartsWith("overhead p50/p95/p99 ms", StringComparison.Ordinal));
        Assert.Equal(2, overhead.Split("1183.45 / 2680.27 / 3679.35").Length - 1);
        Assert.DoesNotContain("3679.351183.45", overhead);
    }

    [Fact]
    public void The_table_reports_model_turns_per_second_lease_wait_and_the_peak_of_turns_in_flight()
    {
        var engine = new BenchResult
        {
            Name = "engine", Conversations = 1000, Completed = 1000, Failed = 0, Turns = 6000, Seconds = 7.5, CpuSeconds = 3, PeakRssMb = 400,
            TurnsPerSecondAllRunning = 951.4, LeaseWaitMs = new Percentiles(6000, 0.25, 3.5, 12.75, 40), PeakTurnsInFlight = 987, MaxSockets = 64, LanesPerConnection = 16,
        };
        var scenario = new BenchScenario(1000, 5, 3, TimeSpan.FromSeconds(1), TimeSpan.Zero) { ModelLatencyJitter = TimeSpan.FromMilliseconds(500) };
        using var output = new StringWriter();

        BenchTableWriter.Write(new BenchReport(scenario, "in-process emulator", "sqlite", engine, null, null, DateTimeOffset.UnixEpoch, "0.00 0.00 0.00"), output);

        var lines = output.ToString().Split('\n');
        string Row(string label) => lines.Single(l => l.StartsWith(label, StringComparison.Ordinal));
        Assert.Contains("L=1000±500 ms", lines[1]);
        Assert.EndsWith(" 800", Row("model turns/s").TrimEnd());
        Assert.EndsWith(" 951", Row("  while all run").TrimEnd());
        Assert.EndsWith("0.25 / 3.50 / 12.75", Row("lease wait p50/p95/p99 ms").TrimEnd());
        Assert.EndsWith(" 987", Row("turns in flight, peak").TrimEnd());
        Assert.EndsWith("64 × 16", Row("sockets × lanes").TrimEnd());
    }
}
