using Orchestrator.Host.Bench;
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
}
