using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Messages.Protocol;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>In-band compaction (compaction_trigger): the window is compacted inside the chain, with no separate call, and the result does not change.</summary>
public sealed class InBandCompactionSpec
{
    /// <summary>The emulator counts a token per four bytes of context: a few tool rounds pass this.</summary>
    private const long Threshold = 1_500;

    [Fact]
    public async Task A_long_turn_compacts_in_band_continues_with_the_exact_digest_and_recovers_from_the_journal()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true });
        IReadOnlyList<Item> window;
        await using (var node = await StartNode(ground))
        {
            var completed = (await node.RunTurnAsync("c-in-band", "long job tools:3 rounds:8")).Completed();

            Assert.Contains("calls=24 outputs=24 missing=0 duplicates=0", completed.Text);
            Assert.True(ground.Emulator.Counters.Compactions >= 1, "no compaction happened");
            // In band, the chain never breaks: every request after the first continues the one before.
            Assert.All(ground.Requests().Skip(1), r => Assert.NotNull(r.PreviousResponseId));
            window = (await node.Client.GetTranscriptAsync("c-in-band")).Window;
        }

        Assert.Contains(window, item => item.Type == "compaction");
        // Uncompacted, it would hold 50 items: the message, 24 calls, 24 outputs and the answer.
        Assert.True(window.Count < 50 / 2, $"the window holds {window.Count} items");

        // A new node resumes from the compacted window in the journal.
        await using var resumed = await StartNode(ground);
        var before = ground.Requests().Count;
        var next = (await resumed.RunTurnAsync("c-in-band", "more tools:1")).Completed();
        Assert.Contains("calls=25 outputs=25 missing=0 duplicates=0", next.Text);
        Assert.Null(ground.Requests()[before].PreviousResponseId);
        Assert.Equal(window.Count + 1, ground.Requests()[before].InputItems);
    }

    private static Task<OrchestratorNode> StartNode(EmulatorAndJournal ground) =>
        ground.StartNodeAsync(s => s with
        {
            Conversation = s.Conversation with { CompactAtInputTokens = Threshold, InBandCompaction = true },
        });
}
