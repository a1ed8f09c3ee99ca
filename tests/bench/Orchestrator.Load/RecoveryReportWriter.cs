using System.Text.Json.Nodes;

namespace Orchestrator.Load;

/// <summary>Prints a <see cref="RecoveryResult"/>: one JSON object with <c>--json</c>, else a few lines.</summary>
public static class RecoveryReportWriter
{
    public static void Write(RecoveryResult result, string loadAverage, bool json, TextWriter stdout)
    {
        if (json)
        {
            stdout.WriteLine(new JsonObject
            {
                ["conversations"] = result.Conversations,
                ["resumed"] = result.Resumed,
                ["prepare_seconds"] = result.Prepared is { } took ? Seconds(took) : null,
                ["node_start_seconds"] = Seconds(result.NodeStarted),
                ["first_request_seconds"] = Seconds(result.FirstRequest),
                ["half_resumed_seconds"] = Seconds(result.HalfResumed),
                ["all_resumed_seconds"] = Seconds(result.AllResumed),
                ["restarted_node_cpu_seconds"] = Seconds(result.NodeCpu),
                ["load_average"] = loadAverage,
            }.ToJsonString());
            return;
        }
        stdout.WriteLine($"recovery of {result.Conversations} conversations with open work (load average {loadAverage})");
        stdout.WriteLine(result.Prepared is { } prepared
            ? $"  prepared (messages accepted, first node stopped)  {prepared.TotalSeconds,8:0.00} s"
            : "  prepared: a kept journal reused (--prepared)");
        stdout.WriteLine($"  restarted node listening (new process)            {result.NodeStarted.TotalSeconds,8:0.00} s");
        stdout.WriteLine($"  first conversation resumed (request sent again)   {result.FirstRequest.TotalSeconds,8:0.00} s");
        stdout.WriteLine($"  half of them resumed                              {result.HalfResumed.TotalSeconds,8:0.00} s");
        stdout.WriteLine($"  every conversation resumed (request sent again)   {result.AllResumed.TotalSeconds,8:0.00} s  ({result.Resumed} resumed)");
        stdout.WriteLine($"  restarted node's CPU time until then               {result.NodeCpu.TotalSeconds,8:0.00} s");
    }

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 3);
}
