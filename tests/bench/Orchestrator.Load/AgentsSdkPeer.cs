using System.Diagnostics;
using System.Text.Json;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Load;

/// <summary>
/// The official OpenAI Agents SDK for JavaScript running the same scenario against the same kind of emulator:
/// <c>tests/bench/agents-sdk/bench.mjs</c> as a child process, which measures its own time and CPU and prints one
/// JSON object. With the in-process emulator, its request sizes come from the emulator's traffic records.
/// </summary>
public static class AgentsSdkPeer
{
    public const string ScriptDirectory = "tests/bench/agents-sdk";

    public static async Task<BenchResult> RunAsync(BenchScenario scenario, Uri? endpoint, string? scriptDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var directory = Locate(scriptDirectory);
        EmulatorServer? emulator = null;
        if (endpoint is null)
        {
            emulator = await EmulatorServer.StartAsync(scenario.Emulator(recordTraffic: true), cancellationToken);
        }

        try
        {
            var baseUrl = emulator?.BaseUrl ?? BaseUrlOf(endpoint!);
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[]
            {
                "bench.mjs", "--base-url", baseUrl.ToString(), "--conversations", $"{scenario.Conversations}", "--rounds", $"{scenario.Rounds}",
                "--tools", $"{scenario.Tools}", "--tool-latency-ms", $"{(int)scenario.ToolLatency.TotalMilliseconds}", "--warm-up", $"{scenario.WarmUpConversations}",
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"the Agents SDK peer did not finish within {timeout.TotalSeconds:0} s");
            }
            if (process.ExitCode != 0)
            {
                var lastLine = (await error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.Contains("Error")) ?? "no error output";
                throw new InvalidOperationException($"the Agents SDK peer exited with {process.ExitCode}: {lastLine}");
            }

            using var json = JsonDocument.Parse(await output);
            var root = json.RootElement;
            var requests = emulator is null ? [] : RequestsByIndex(emulator.Traffic);
            return new BenchResult
            {
                Name = "agents-sdk",
                Conversations = root.GetProperty("conversations").GetInt32(),
                Completed = root.GetProperty("completed").GetInt32(),
                Failed = root.GetProperty("failed").GetInt32(),
                Turns = root.GetProperty("turns").GetInt64(),
                Seconds = root.GetProperty("seconds").GetDouble(),
                CpuSeconds = root.GetProperty("cpu_seconds").GetDouble(),
                PeakRssMb = root.GetProperty("peak_rss_mb").GetDouble(),
                RequestsByIndex = requests,
                BytesPerContinuation = Mean(requests, continuation: true),
                BytesPerFullSend = Mean(requests, continuation: false),
                FirstFailure = root.GetProperty("first_failure").GetString(),
            };
        }
        finally
        {
            if (emulator is not null) await emulator.DisposeAsync();
        }
    }

    /// <summary>The peer opens one socket per conversation, so the n-th request on a connection is the n-th of its turn.</summary>
    private static IReadOnlyList<RequestBytes> RequestsByIndex(IReadOnlyList<TrafficRecord> traffic) =>
        traffic
            .Where(r => r.Type == "response.create")
            .GroupBy(r => r.ConnectionId)
            .SelectMany(connection => connection.Select((r, index) => (Index: index, Continuation: r.PreviousResponseId is not null, r.Bytes)))
            .GroupBy(r => (r.Index, r.Continuation))
            .Select(g => new RequestBytes(g.Key.Index, g.Key.Continuation, g.Count(), g.Average(r => (double)r.Bytes)))
            .OrderBy(r => r.Index).ThenBy(r => r.Continuation)
            .ToArray();

    private static double? Mean(IReadOnlyList<RequestBytes> requests, bool continuation)
    {
        var count = requests.Where(r => r.Continuation == continuation).Sum(r => (long)r.Count);
        return count == 0 ? null : requests.Where(r => r.Continuation == continuation).Sum(r => r.MeanBytes * r.Count) / count;
    }

    /// <summary>The SDK takes an <c>http://…/v1</c> base URL and derives the WebSocket URL itself.</summary>
    private static Uri BaseUrlOf(Uri responsesUrl)
    {
        var path = responsesUrl.AbsolutePath.EndsWith("/responses", StringComparison.Ordinal) ? responsesUrl.AbsolutePath[..^"/responses".Length] : responsesUrl.AbsolutePath;
        return new UriBuilder(responsesUrl) { Scheme = responsesUrl.Scheme == "wss" ? "https" : "http", Path = path }.Uri;
    }

    private static string Locate(string? scriptDirectory)
    {
        var candidates = scriptDirectory is not null
            ? [Path.GetFullPath(scriptDirectory)]
            : Ancestors(Directory.GetCurrentDirectory()).Select(d => Path.Combine(d, ScriptDirectory));
        foreach (var candidate in candidates)
        {
            if (!File.Exists(Path.Combine(candidate, "bench.mjs"))) continue;
            if (!Directory.Exists(Path.Combine(candidate, "node_modules", "@openai", "agents")))
                throw new ConfigurationException($"The Agents SDK peer is not installed: run 'npm ci --prefix {candidate}' first.");
            return candidate;
        }
        throw new ConfigurationException($"The Agents SDK peer ({ScriptDirectory}/bench.mjs) was not found from '{Directory.GetCurrentDirectory()}'; run from the repository or pass --peer-dir.");
    }

    private static IEnumerable<string> Ancestors(string directory)
    {
        for (var d = new DirectoryInfo(directory); d is not null; d = d.Parent) yield return d.FullName;
    }
}
