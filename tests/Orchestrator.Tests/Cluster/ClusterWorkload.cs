using System.Collections.Concurrent;
using Npgsql;
using Orchestrator.Tests.Crash;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Cluster;

/// <summary>
/// Conversations of <see cref="Rounds"/> tool rounds started through the HTTP API of the cluster's nodes in turn, and
/// awaited through any running node. Each message has a fixed idempotency key, so a post retried after a node went
/// away is never accepted twice.
/// </summary>
internal sealed class ClusterWorkload(TestCluster cluster, string prefix)
{
    public const int Rounds = 10;
    public const int ToolsPerRound = 2;
    private const int Parallelism = 8;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<string> _ids = [];
    private readonly ConcurrentDictionary<string, string> _answers = new();

    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Starts <paramref name="count"/> more conversations, spread over the running nodes.</summary>
    public async Task StartAsync(int count, TimeSpan timeout)
    {
        var ids = Enumerable.Range(_ids.Count, count).Select(i => $"{prefix}-{i}").ToList();
        _ids.AddRange(ids);
        using var deadline = new CancellationTokenSource(timeout);
        await Parallel.ForEachAsync(ids.Select((id, i) => (id, i)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (entry, _) =>
        {
            while (true)
            {
                var nodes = cluster.Running;
                var node = nodes[entry.i % nodes.Count];
                if (await ServeProcess.TryPostAsync(_http, node.Address, entry.id, $"cluster test tools:{ToolsPerRound} rounds:{Rounds}", $"m-{entry.id}")) return;
                if (deadline.IsCancellationRequested) throw new TimeoutException($"no node accepted the message of {entry.id}; {RecentLogs()}");
                // A node that is going away refuses or times out; the retry goes to the next one (same idempotency key).
                entry.i++;
            }
        });
    }

    /// <summary>The running nodes' last log lines other than tool runs: what a node that refused was doing.</summary>
    private string RecentLogs() => string.Join('\n', cluster.Running.Select((node, i) =>
        $"node {i} (of the running), last lines:\n" + string.Join('\n', node.LogLines.Where(line => !ToolRunLog.IsRecording(line)).TakeLast(40))));

    /// <summary>
    /// Waits until every conversation answered, then reads the answers from the running nodes in turn. The journal is
    /// watched first: asking 300 conversations for their transcripts again and again would load the nodes under test.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> WaitForAnswersAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await WaitUntilFinishedInJournalAsync(deadline.Token);
        var turn = 0;
        // Nothing signals completion over HTTP but the status itself: poll it, bounded by the deadline.
        await Poll.UntilAsync(
            async () =>
            {
                var open = _ids.Where(id => !_answers.ContainsKey(id)).ToList();
                await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (id, _) =>
                {
                    var nodes = cluster.Running;
                    var node = nodes[(Interlocked.Increment(ref turn) & int.MaxValue) % nodes.Count];
                    if (await ServeProcess.TryGetStatusAsync(_http, node.Address, id) is { } status
                        && status.GetProperty("phase").GetString() == "Idle"
                        && status.TryGetProperty("last_answer", out var answer) && answer.GetString() is { } text)
                        _answers[id] = text;
                });
                return open.All(_answers.ContainsKey);
            },
            deadline.Token,
            () => $"{_ids.Count - _answers.Count} of {_ids.Count} conversations did not finish within {timeout.TotalSeconds:0} s, e.g. {string.Join(", ", _ids.Where(id => !_answers.ContainsKey(id)).Take(5))}",
            TimeSpan.FromMilliseconds(500));
        return _answers;
    }

    /// <summary>
    /// Waits until the journal holds a final answer for every conversation; nothing is sent to them (even a status
    /// request would start a conversation), so it also shows conversations finishing by themselves.
    /// </summary>
    public async Task WaitUntilFinishedInJournalAsync(CancellationToken deadline)
    {
        var finished = 0;
        // The journal is the only witness that does not wake a conversation: poll it, bounded by the deadline.
        await Poll.UntilAsync(
            async () => (finished = await CountFinishedInJournalAsync()) >= _ids.Count,
            deadline,
            () => $"only {finished} of {_ids.Count} conversations finished in time",
            TimeSpan.FromSeconds(1));
    }

    /// <summary>Conversations whose final answer (the digest of a finished run) is in the journal.</summary>
    public async Task<int> CountFinishedInJournalAsync()
    {
        await using var connection = (NpgsqlConnection)await cluster.Journal.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(DISTINCT persistence_id) FROM journal WHERE manifest = 'response.v1' AND position('missing=' IN convert_from(message, 'UTF8')) > 0",
            connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    /// <summary>Every conversation's final answer counts every call answered exactly once.</summary>
    public static void AssertExact(IReadOnlyDictionary<string, string> answers, int expected)
    {
        Assert.Equal(expected, answers.Count);
        const int calls = Rounds * ToolsPerRound;
        foreach (var (id, answer) in answers)
            Assert.True(answer.Contains($"calls={calls} outputs={calls} missing=0 duplicates=0", StringComparison.Ordinal), $"{id}: {answer}");
    }
}
