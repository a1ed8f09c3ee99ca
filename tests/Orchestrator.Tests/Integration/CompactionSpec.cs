using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>Compaction bounds the window without changing the result: the digest counts every call of the chain.</summary>
public sealed class CompactionSpec : IAsyncLifetime
{
    /// <summary>The emulator counts a token per four bytes of context: a few tool rounds pass this.</summary>
    private const long Threshold = 1_500;

    private EmulatorServer _emulator = null!;
    private TestJournal _journal = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true });
        _journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        await _journal.DisposeAsync();
    }

    [Fact]
    public async Task Past_the_threshold_the_window_is_compacted_and_a_new_chain_starts_from_it()
    {
        await using (var node = await StartNode(serverSide: false))
        {
            var completed = (await node.RunTurnAsync("c-compact", "long job tools:3 rounds:8")).Completed();

            Assert.Contains("calls=24 outputs=24 missing=0 duplicates=0", completed.Text);
            Assert.True(_emulator.Counters.Compactions >= 1, "no compaction happened");
            // Each compaction is followed by a full send of the short compacted window.
            var fullSends = Requests().Skip(1).Where(r => r.PreviousResponseId is null).ToList();
            Assert.Equal(_emulator.Counters.Compactions, fullSends.Count);
            Assert.All(fullSends, r => Assert.True(r.InputItems <= 4, $"a post-compaction send carried {r.InputItems} items"));
        }

        // A new node resumes from the compacted window in the journal, not from the whole history.
        await using var resumed = await StartNode(serverSide: false);
        var before = Requests().Count;
        var next = (await resumed.RunTurnAsync("c-compact", "more tools:1")).Completed();
        Assert.Contains("calls=25 outputs=25 missing=0 duplicates=0", next.Text);
        // Uncompacted, it would carry 51 items: 2 user messages, 24 calls, 24 outputs and the answer.
        Assert.True(Requests()[before].InputItems < 51 / 2, $"the cold send carried {Requests()[before].InputItems} items");
    }

    [Fact]
    public async Task With_server_side_compaction_the_request_carries_context_management_and_the_chain_continues()
    {
        await using var node = await StartNode(serverSide: true);

        var completed = (await node.RunTurnAsync("c-server-compact", "long job tools:3 rounds:8")).Completed();

        Assert.Contains("calls=24 outputs=24 missing=0 duplicates=0", completed.Text);
        Assert.True(_emulator.Counters.Compactions >= 1, "the server never compacted");
        Assert.All(Requests().Skip(1), r => Assert.NotNull(r.PreviousResponseId));
    }

    private Task<OrchestratorNode> StartNode(bool serverSide) =>
        TestNodes.StartAsync(_journal, _emulator.ResponsesUrl, configure: s => s with
        {
            Conversation = s.Conversation with { CompactAtInputTokens = Threshold, ServerSideCompaction = serverSide },
        });

    private List<TrafficRecord> Requests() => _emulator.Traffic.Where(r => r.Type == "response.create").ToList();
}
