using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// The whole slice on real parts: a single-node cluster with the conversation shard region, the journal (each
/// scenario on SQLite and on PostgreSQL, in an empty journal of its own), ClientWebSocket connections over loopback,
/// and the emulator as the model. The emulator's traffic record is what the engine actually sent.
/// </summary>
public sealed class WalkingSkeletonSpec : IAsyncLifetime
{
    private const string Digest12 = "calls=12 outputs=12 missing=0 duplicates=0";
    private EmulatorServer _emulator = null!;

    public async Task InitializeAsync() => _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true });

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task Four_rounds_of_three_parallel_calls_complete_with_every_call_answered_once(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        await using var node = await TestNodes.StartAsync(journal, _emulator.ResponsesUrl);

        var completed = (await node.RunTurnAsync("c-cities", "compare cities tools:3 rounds:4")).Completed();

        Assert.Contains(Digest12, completed.Text);
        Assert.Equal((5, 12, 1, 4), (completed.Stats.ModelResponses, completed.Stats.ToolCalls, completed.Stats.FullSends, completed.Stats.Continuations));
        var sent = Requests();
        Assert.Null(sent[0].PreviousResponseId);
        Assert.All(sent.Skip(1), r => Assert.NotNull(r.PreviousResponseId));
        // Continuations carry only the three new tool outputs.
        Assert.All(sent.Skip(1), r => Assert.Equal(3, r.InputItems));
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task Bytes_sent_per_continuation_do_not_grow_with_the_number_of_earlier_turns(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        await using var node = await TestNodes.StartAsync(journal, _emulator.ResponsesUrl);

        var completed = (await node.RunTurnAsync("c-long", "keep going tools:2 rounds:12")).Completed();

        Assert.Contains("calls=24 outputs=24 missing=0 duplicates=0", completed.Text);
        var continuations = Requests().Skip(1).ToList();
        Assert.Equal(12, continuations.Count);
        Assert.All(continuations, r => Assert.NotNull(r.PreviousResponseId));
        // Tool outputs differ a little in length from round to round; the history behind them grows twelvefold.
        var (smallest, largest) = (continuations.Min(r => r.Bytes), continuations.Max(r => r.Bytes));
        Assert.True(largest <= smallest * 1.15, $"continuation sizes ranged from {smallest} to {largest} bytes");
        Assert.True(continuations[^1].Bytes <= continuations[0].Bytes * 1.15, $"turn 2 sent {continuations[0].Bytes} bytes, turn 13 sent {continuations[^1].Bytes}");
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task A_new_node_resumes_the_conversation_from_the_journal_with_one_full_send_then_continues(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        await using (var first = await TestNodes.StartAsync(journal, _emulator.ResponsesUrl))
        {
            Assert.Contains(Digest12, (await first.RunTurnAsync("c-resume", "compare cities tools:3 rounds:4")).Completed().Text);
        }
        var sentBefore = Requests().Count;

        await using var second = await TestNodes.StartAsync(journal, _emulator.ResponsesUrl);
        var completed = (await second.RunTurnAsync("c-resume", "more tools:2")).Completed();

        Assert.Contains("calls=14 outputs=14 missing=0 duplicates=0", completed.Text);
        Assert.Equal((1, 1), (completed.Stats.FullSends, completed.Stats.Continuations));
        var resumed = Requests().Skip(sentBefore).ToList();
        Assert.Equal(2, resumed.Count);
        // The cold chain: the whole window (first message, 4×(3 calls + 3 outputs), the answer, the new message), no previous id.
        Assert.Null(resumed[0].PreviousResponseId);
        Assert.Equal(1 + 4 * 6 + 1 + 1, resumed[0].InputItems);
        Assert.NotNull(resumed[1].PreviousResponseId);
        Assert.Equal(2, resumed[1].InputItems);
    }

    private List<TrafficRecord> Requests() => _emulator.Traffic.Where(r => r.Type == "response.create").ToList();
}
