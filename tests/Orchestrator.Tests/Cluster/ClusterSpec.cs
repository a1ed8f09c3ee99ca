using System.Diagnostics;
using Orchestrator.Tests.Crash;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orchestrator.Tests.Cluster;

/// <summary>
/// Three <c>serve</c> processes on 127.0.0.1 sharing a PostgreSQL journal, 300 conversations of 10 tool rounds started
/// through the HTTP API of different nodes, and a node killed, every node restarted in turn, or the whole cluster
/// stopped and started. Every conversation must finish with every call answered exactly once, and no tool call whose
/// result was recorded may run again (checked from the nodes' logs, merged in time order).
/// </summary>
[Trait("Category", "Cluster")]
[Collection(RunAloneCollection.Name)]
public sealed class ClusterSpec(ITestOutputHelper output)
{
    private const int Conversations = 300;
    private const int ToolLatencyMs = 20;
    private static readonly TimeSpan ModelLatency = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan PostTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(180);

    [PostgresFact]
    public async Task Every_conversation_finishes_exactly_when_a_node_is_killed_mid_run()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await TestCluster.StartAsync(ModelLatency, ToolLatencyMs);
        output.WriteLine($"cluster of {TestCluster.Size} up after {clock.Elapsed.TotalSeconds:0.0} s");

        var work = new ClusterWorkload(cluster, "kill");
        await work.StartAsync(Conversations, PostTimeout);
        // The oldest node: it also runs the shard coordinator, the worst case for a crash.
        const int victim = 0;
        await WaitForRecordedResultsAsync([cluster.Node(victim)], 100);
        var survivorsBefore = Enumerable.Range(0, TestCluster.Size).Where(i => i != victim).Select(cluster.Node).ToList();
        var killedAt = DateTime.UtcNow;
        await cluster.KillAsync(victim);
        output.WriteLine($"node {victim} killed with SIGKILL after {clock.Elapsed.TotalSeconds:0.0} s");

        var answers = await work.WaitForAnswersAsync(FinishTimeout);
        output.WriteLine($"all {Conversations} conversations answered {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");
        ClusterWorkload.AssertExact(answers, Conversations);

        var (moved, lastMoving) = KillToLastMoving(cluster.FinishedLogs[0], survivorsBefore.SelectMany(node => node.LogLines), killedAt);
        output.WriteLine($"{moved} conversations of the killed node moved on to the survivors; kill → last of them moving: {lastMoving.TotalSeconds:0.0} s");
        Assert.True(moved > 0, "the kill landed after the killed node's conversations had finished");
        ReportLogCheck(cluster);
    }

    [PostgresFact]
    public async Task Every_conversation_finishes_exactly_through_a_rolling_restart()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await TestCluster.StartAsync(ModelLatency, ToolLatencyMs);

        var work = new ClusterWorkload(cluster, "roll");
        var recorded = 0;
        for (var i = 0; i < TestCluster.Size; i++)
        {
            // A third of the traffic before each restart, so that every node leaves while conversations are at work.
            await work.StartAsync(Conversations / TestCluster.Size, PostTimeout);
            recorded += 100;
            await WaitForRecordedResultsAsync(cluster.Running, recorded);
            var restart = Stopwatch.StartNew();
            await cluster.StopAsync(i);
            await cluster.StartAsync(i);
            output.WriteLine($"node {i} restarted (SIGTERM, start, member up) in {restart.Elapsed.TotalSeconds:0.0} s, at {clock.Elapsed.TotalSeconds:0.0} s");
        }

        var answers = await work.WaitForAnswersAsync(FinishTimeout);
        output.WriteLine($"all {Conversations} conversations answered after {clock.Elapsed.TotalSeconds:0.0} s");
        ClusterWorkload.AssertExact(answers, Conversations);
        ReportLogCheck(cluster);
    }

    [PostgresFact]
    public async Task Conversations_with_open_work_resume_by_themselves_after_a_whole_cluster_restart()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await TestCluster.StartAsync(ModelLatency, ToolLatencyMs);

        var work = new ClusterWorkload(cluster, "restart");
        await work.StartAsync(Conversations, PostTimeout);
        await WaitForRecordedResultsAsync(cluster.Running, 200);
        await cluster.StopAllAsync();
        var finishedBefore = await work.CountFinishedInJournalAsync();
        output.WriteLine($"whole cluster stopped after {clock.Elapsed.TotalSeconds:0.0} s with {Conversations - finishedBefore} conversations unfinished");
        Assert.True(finishedBefore < Conversations, "every conversation had finished before the stop");

        var restart = Stopwatch.StartNew();
        await cluster.StartAllAsync();
        // Nothing is sent to the conversations: the journal shows them finish by themselves.
        using (var deadline = new CancellationTokenSource(FinishTimeout)) await work.WaitUntilFinishedInJournalAsync(deadline.Token);
        output.WriteLine($"all {Conversations} conversations finished by themselves {restart.Elapsed.TotalSeconds:0.0} s after the cluster started again");

        ClusterWorkload.AssertExact(await work.WaitForAnswersAsync(FinishTimeout), Conversations);
        ReportLogCheck(cluster);
    }

    /// <summary>
    /// Of the conversations the killed node was running (its log names them), those that went on on a survivor after
    /// the kill, and how long after the kill the last of them made its first move there.
    /// </summary>
    private static (int Moved, TimeSpan LastMoving) KillToLastMoving(IEnumerable<string> killedLog, IEnumerable<string> survivorsLog, DateTime killedAt)
    {
        var onKilled = killedLog.Select(ToolRunLog.ConversationOf).OfType<string>().ToHashSet();
        var firstMoves = survivorsLog
            .Select(line => (Conversation: ToolRunLog.ConversationOf(line), Time: ToolRunLog.Time(line)))
            .Where(e => e.Conversation is not null && onKilled.Contains(e.Conversation) && e.Time > killedAt)
            .GroupBy(e => e.Conversation!)
            .Select(g => g.Min(e => e.Time!.Value))
            .ToList();
        return (firstMoves.Count, firstMoves.Count == 0 ? TimeSpan.Zero : firstMoves.Max() - killedAt);
    }

    /// <summary>Waits until the given nodes together logged at least <paramref name="count"/> recorded tool results.</summary>
    private static Task WaitForRecordedResultsAsync(IReadOnlyList<ServeProcess> nodes, int count) =>
        // Progress shows only in the nodes' logs: poll them, bounded by the deadline.
        Poll.UntilAsync(
            () => nodes.Sum(node => node.LogLines.Count(ToolRunLog.IsRecording)) >= count,
            WorkTimeout,
            () => $"the nodes did not record {count} tool results within {WorkTimeout.TotalSeconds:0} s",
            TimeSpan.FromMilliseconds(250));

    private void ReportLogCheck(TestCluster cluster)
    {
        var (runs, reruns) = ToolRunLog.CheckNoRecordedCallRanAgain(cluster.MergedLog());
        output.WriteLine($"{runs} tool runs logged, {reruns} re-runs of calls whose result had not been recorded, none of a recorded one");
        Assert.True(runs >= Conversations * ClusterWorkload.Rounds * ClusterWorkload.ToolsPerRound, $"only {runs} tool runs were logged");
    }
}
