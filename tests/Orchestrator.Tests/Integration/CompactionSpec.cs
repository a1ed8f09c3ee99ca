using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>Compaction bounds the window without changing the result: the digest counts every call of the chain.</summary>
public sealed class CompactionSpec
{
    /// <summary>The emulator counts a token per four bytes of context: a few tool rounds pass this.</summary>
    private const long Threshold = 1_500;

    [Fact]
    public async Task Past_the_threshold_the_window_is_compacted_and_a_new_chain_starts_from_it()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true });
        await using (var node = await StartNode(ground, serverSide: false))
        {
            var completed = (await node.RunTurnAsync("c-compact", "long job tools:3 rounds:8")).Completed();

            Assert.Contains("calls=24 outputs=24 missing=0 duplicates=0", completed.Text);
            Assert.True(ground.Emulator.Counters.Compactions >= 1, "no compaction happened");
            // Each compaction is followed by a full send of the short compacted window.
            var fullSends = ground.Requests().Skip(1).Where(r => r.PreviousResponseId is null).ToList();
            Assert.Equal(ground.Emulator.Counters.Compactions, fullSends.Count);
            Assert.All(fullSends, r => Assert.True(r.InputItems <= 4, $"a post-compaction send carried {r.InputItems} items"));
        }

        // A new node resumes from the compacted window in the journal, not from the whole history.
        await using var resumed = await StartNode(ground, serverSide: false);
        var before = ground.Requests().Count;
        var next = (await resumed.RunTurnAsync("c-compact", "more tools:1")).Completed();
        Assert.Contains("calls=25 outputs=25 missing=0 duplicates=0", next.Text);
        // Uncompacted, it would carry 51 items: 2 user messages, 24 calls, 24 outputs and the answer.
        Assert.True(ground.Requests()[before].InputItems < 51 / 2, $"the cold send carried {ground.Requests()[before].InputItems} items");
    }

    [Fact]
    public async Task With_server_side_compaction_the_request_carries_context_management_and_the_chain_continues()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true });
        await using var node = await StartNode(ground, serverSide: true);

        var completed = (await node.RunTurnAsync("c-server-compact", "long job tools:3 rounds:8")).Completed();

        Assert.Contains("calls=24 outputs=24 missing=0 duplicates=0", completed.Text);
        Assert.True(ground.Emulator.Counters.Compactions >= 1, "the server never compacted");
        Assert.All(ground.Requests().Skip(1), r => Assert.NotNull(r.PreviousResponseId));
    }

    private static Task<OrchestratorNode> StartNode(EmulatorAndJournal ground, bool serverSide) =>
        ground.StartNodeAsync(s => s with
        {
            Conversation = s.Conversation with { CompactAtInputTokens = Threshold, ServerSideCompaction = serverSide },
        });
}
