using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Client;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Conversations;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// What survives a node going away: open work resumes by itself, snapshots recover the same conversation,
/// and an unreadable journal is a clear error rather than a silent new start.
/// </summary>
public sealed class DurabilitySpec : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>How often the emulator's traffic, a node's status or the journal's rows are asked for: each asks what is under test.</summary>
    private static readonly TimeSpan AskEvery = TimeSpan.FromMilliseconds(50);

    private EmulatorServer _emulator = null!;
    private TestJournal _journal = null!;

    // Model latency keeps a turn in flight long enough to stop the node in the middle of it.
    public async Task InitializeAsync() =>
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true, ModelLatency = TimeSpan.FromMilliseconds(150) });

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        if (_journal is not null) await _journal.DisposeAsync();
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task Open_work_resumes_after_a_restart_without_any_new_message(JournalKind kind)
    {
        _journal = await TestJournal.CreateAsync(kind);
        await using (var first = await StartNode())
        {
            using var stop = new CancellationTokenSource();
            var turn = Drain(first.Client.SendAsync("c-wake", "long job tools:2 rounds:6", cancellationToken: stop.Token));
            await Poll.UntilAsync(() => Requests().Count >= 3, Patience, () => "the turn was not under way in time", AskEvery);
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => turn);
        }
        var sentBefore = Requests().Count;
        Assert.True(sentBefore < 7, $"the turn finished before the node stopped ({sentBefore} requests)");

        // Nobody talks to the conversation: sharding's remembered entities start it and it finishes the turn.
        await using var second = await StartNode();
        await Poll.UntilAsync(() => Requests().Count >= 7 + 1, Patience, () => "the resumed turn did not reach its final request in time", AskEvery);
        Assert.Null(Requests()[sentBefore].PreviousResponseId);
        await Poll.UntilAsync(async () => (await second.Client.GetStatusAsync("c-wake")).Phase == "Idle", Patience, () => "the conversation did not go idle in time", AskEvery);

        var next = (await second.RunTurnAsync("c-wake", "one more tools:1")).Completed();
        Assert.Contains("calls=13 outputs=13 missing=0 duplicates=0", next.Text);
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task A_conversation_recovered_from_snapshots_and_later_events_continues_exactly(JournalKind kind)
    {
        _journal = await TestJournal.CreateAsync(kind);
        await using (var first = await StartNode(snapshotEvery: 4))
        {
            Assert.Contains("calls=12 outputs=12", (await first.RunTurnAsync("c-snap", "compare tools:3 rounds:4")).Completed().Text);
        }
        Assert.True(await CountRows("snapshot", "conversation-c-snap") >= 1, "no snapshot was written");

        await using var second = await StartNode(snapshotEvery: 4);
        var completed = (await second.RunTurnAsync("c-snap", "more tools:2")).Completed();

        Assert.Contains("calls=14 outputs=14 missing=0 duplicates=0", completed.Text);
        // Older snapshots are deleted once a newer one is saved: after the turn's answer, and before the conversation
        // passivates, however soon its last watcher leaves.
        await Poll.UntilAsync(async () => await CountRows("snapshot", "conversation-c-snap") == 1, Patience, () => "the older snapshots were not deleted in time", AskEvery);
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task An_unreadable_journal_event_is_a_clear_error_naming_the_conversation_and_nothing_is_overwritten(JournalKind kind)
    {
        _journal = await TestJournal.CreateAsync(kind);
        await using (var first = await StartNode())
        {
            (await first.RunTurnAsync("c-corrupt", "hello")).Completed();
        }
        await Execute("UPDATE journal SET manifest = 'bogus.v9' WHERE persistence_id = 'conversation-c-corrupt' AND sequence_number = 2");
        var rowsBefore = await CountRows("journal", "conversation-c-corrupt");

        await using var second = await StartNode();
        var error = await Assert.ThrowsAsync<ConversationUnavailableException>(() => second.RunTurnAsync("c-corrupt", "are you there?"));

        Assert.Contains("c-corrupt", error.Message);
        Assert.Contains("bogus.v9", error.Message);
        Assert.Equal(rowsBefore, await CountRows("journal", "conversation-c-corrupt"));
    }

    private Task<OrchestratorNode> StartNode(int snapshotEvery = 100) =>
        TestNodes.StartAsync(_journal, _emulator.ResponsesUrl, configure: s => s with { Conversation = s.Conversation with { SnapshotEvery = snapshotEvery } });

    private List<TrafficRecord> Requests() => _emulator.Traffic.Where(r => r.Type == "response.create").ToList();

    private static async Task Drain(IAsyncEnumerable<ConversationUpdate> updates)
    {
        await foreach (var _ in updates)
        {
        }
    }

    private Task<long> CountRows(string table, string persistenceId) => _journal.CountRowsAsync(table, persistenceId);

    private async Task Execute(string sql)
    {
        await using var connection = await _journal.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
