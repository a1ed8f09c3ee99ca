using System.Text.Json;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orchestrator.Tests.Crash;

/// <summary>
/// Kill the node with SIGKILL at random moments — while the model streams, while tools run, while events are
/// written — restart it each time, and check that every conversation still finishes exactly: every call answered
/// once, no recorded tool call run again, no user message lost. <c>ORCHESTRATOR_CRASH_KILLS</c> sets the number of
/// kills (default 30; a soak uses hundreds), <c>ORCHESTRATOR_CRASH_SEED</c> the random seed.
/// </summary>
[Trait("Category", "Crash")]
[Collection(RunAloneCollection.Name)]
public sealed class CrashSpec(ITestOutputHelper output)
{
    private const int Conversations = 4;
    // Enough work that every kill lands while conversations are busy: a node makes a few rounds before its kill,
    // so a soak with hundreds of kills needs proportionally more rounds.
    private const int RoundsPerKill = 2;
    private const int MinimumRounds = 60;
    private const int ToolsPerRound = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a restarted node may take to resume work before the kill goes ahead anyway.</summary>
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromSeconds(20);
    /// <summary>How long the last node may go without a conversation moving before the test fails.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The bound on the last node's whole run: a soak leaves it hundreds of rounds of large windows.</summary>
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromMinutes(30);
    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public Task Conversations_finish_exactly_through_repeated_SIGKILLs(JournalKind kind) => Run(output, kind);

    /// <param name="settings">More HOCON for the node's settings file (e.g. the transport).</param>
    /// <param name="verify">Checks of the emulator's counters once every conversation has finished.</param>
    internal static async Task Run(ITestOutputHelper output, JournalKind kind, string settings = "", Action<EmulatorCounters>? verify = null)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        var kills = int.TryParse(Environment.GetEnvironmentVariable("ORCHESTRATOR_CRASH_KILLS"), out var k) ? k : 30;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ORCHESTRATOR_CRASH_SEED"), out var s) ? s : Environment.TickCount;
        var rounds = Math.Max(MinimumRounds, kills * RoundsPerKill);
        output.WriteLine($"journal={kind} kills={kills} rounds={rounds} seed={seed} {settings}");
        var random = new Random(seed);
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = TimeSpan.FromMilliseconds(30) });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ids = Enumerable.Range(1, Conversations).Select(i => $"c-crash-{i}").ToArray();
        var acknowledged = new HashSet<string>();
        var incarnations = new List<IReadOnlyList<string>>();

        // A soak's long tool loops pass the per-turn caps on purpose: the operator's override file raises them.
        var caps = Path.Combine(Path.GetTempPath(), $"crash-caps-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(caps, $"orchestrator.conversation {{ max-rounds-per-turn = {rounds + 1}, max-tool-calls-per-turn = {rounds * ToolsPerRound} }}\n{settings}");
        var environment = new Dictionary<string, string> { [OrchestratorSettings.ConfigFileVariable] = caps };

        for (var kill = 0; kill < kills; kill++)
        {
            await using var node = await ServeProcess.StartAsync(journal, emulator.ResponsesUrl, toolLatencyMs: 60, StartTimeout, environment: environment);
            await PostUnacknowledged(http, node.Address, ids, acknowledged, rounds);
            // Kill only once the node is at work; then at a random moment, so that over the run kills land in
            // every phase of a turn (model streaming, tools running, events being written).
            await Task.WhenAny(node.ToolStarted, Task.Delay(WorkTimeout));
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 800)));
            await node.KillAsync();
            incarnations.Add(node.LogLines);
        }

        await using (var last = await ServeProcess.StartAsync(journal, emulator.ResponsesUrl, toolLatencyMs: 60, StartTimeout, environment: environment))
        {
            await PostUnacknowledged(http, last.Address, ids, acknowledged, rounds);
            Assert.Equal(Conversations, acknowledged.Count);
            using var deadline = new CancellationTokenSource(FinishTimeout);
            var finishing = System.Diagnostics.Stopwatch.StartNew();
            foreach (var id in ids)
            {
                var answer = await WaitForAnswer(http, last.Address, id, deadline.Token);
                output.WriteLine($"{id} finished {finishing.Elapsed.TotalSeconds:0.0} s after the last start");
                Assert.Contains($"calls={rounds * ToolsPerRound} outputs={rounds * ToolsPerRound} missing=0 duplicates=0", answer);
            }
            await last.KillAsync();
            incarnations.Add(last.LogLines);
        }

        var (runs, reruns) = ToolRunLog.CheckNoRecordedCallRanAgain(incarnations.SelectMany(lines => lines));
        var busy = incarnations.Count(lines => lines.Any(ToolRunLog.IsRecording));
        output.WriteLine($"{incarnations.Count} incarnations ({busy} recorded tool results before being killed or finishing), {runs} tool runs, {reruns} re-runs of calls killed before their result was recorded");
        Assert.True(runs >= Conversations * rounds * ToolsPerRound, $"only {runs} tool runs were logged");
        verify?.Invoke(emulator.Counters);
        File.Delete(caps);
    }

    private static async Task PostUnacknowledged(HttpClient http, Uri address, IEnumerable<string> ids, HashSet<string> acknowledged, int rounds)
    {
        foreach (var id in ids.Where(id => !acknowledged.Contains(id)))
        {
            // The same idempotency key every time: a message accepted before a kill is not accepted twice.
            if (await ServeProcess.TryPostAsync(http, address, id, $"crash test tools:{ToolsPerRound} rounds:{rounds}", $"m-{id}")) acknowledged.Add(id);
        }
    }

    /// <summary>
    /// Waits for the conversation's answer as long as it keeps moving (its window grows or its last response
    /// changes), so that a slow machine is not mistaken for a stuck conversation; a stall fails at once.
    /// </summary>
    private static async Task<string> WaitForAnswer(HttpClient http, Uri address, string id, CancellationToken deadline)
    {
        var lastProgress = System.Diagnostics.Stopwatch.StartNew();
        string? progress = null;
        string? answer = null;
        JsonElement? status = null;
        // Nothing signals completion over HTTP but the status itself: poll it, bounded by the deadline.
        await Poll.UntilAsync(
            async () =>
            {
                status = await ServeProcess.TryGetStatusAsync(http, address, id);
                if (status is { } s)
                {
                    if (s.GetProperty("phase").GetString() == "Idle" && s.TryGetProperty("last_answer", out var last))
                    {
                        answer = last.GetString()!;
                        return true;
                    }
                    var now = $"{s.GetProperty("window_items")}/{s.GetProperty("last_response_id")}";
                    if (now != progress)
                    {
                        progress = now;
                        lastProgress.Restart();
                    }
                }
                Assert.True(lastProgress.Elapsed <= StallTimeout, $"{id} did not finish (no progress for {lastProgress.Elapsed.TotalSeconds:0} s): last status {status}");
                return false;
            },
            deadline,
            () => $"{id} did not finish in time (no progress for {lastProgress.Elapsed.TotalSeconds:0} s): last status {status}",
            TimeSpan.FromMilliseconds(200));
        return answer!;
    }
}
