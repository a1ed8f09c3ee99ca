using System.Diagnostics;
using Orchestrator.Emulator;
using Orchestrator.Host.Configuration;
using Orchestrator.Host.Hosting;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// A conversation of about 1,000 events recovers to the same state with and without snapshots. The recovery times
/// are written to the test output as a measurement (the figures of issue 4); nothing is asserted about them.
/// </summary>
public sealed class RecoveryTimeSpec(ITestOutputHelper output)
{
    // 1 start + 1 message + 250 responses with calls + 750 tool results + 1 answer = 1,003 events.
    private const string Job = "long history tools:3 rounds:250";

    [Theory]
    [InlineData(100)]
    [InlineData(1_000_000)]
    public async Task A_thousand_event_conversation_recovers_to_the_same_state(int snapshotEvery)
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        Orchestrator.Messages.Conversations.ConversationStatus before;
        await using (var first = await Start(journal, emulator, snapshotEvery))
        {
            Assert.Contains("calls=750 outputs=750 missing=0 duplicates=0", (await first.RunTurnAsync("c-history", Job)).Completed().Text);
            before = await first.Client.GetStatusAsync("c-history");
        }

        await using var second = await Start(journal, emulator, snapshotEvery);
        // Start every shard first, so that the measurement is the conversation's own recovery.
        await Task.WhenAll(Enumerable.Range(0, 90).Select(i => second.Client.GetStatusAsync($"c-warm-{i}")));
        var clock = Stopwatch.StartNew();
        var after = await second.Client.GetStatusAsync("c-history");
        clock.Stop();

        Assert.Equal(before, after);
        output.WriteLine($"snapshot-every={snapshotEvery}: recovered {before.WindowItems} window items in {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    private static Task<OrchestratorNode> Start(TestJournal journal, EmulatorServer emulator, int snapshotEvery) =>
        TestNodes.StartAsync(journal, emulator.ResponsesUrl, configure: s => s with { Conversation = s.Conversation with { SnapshotEvery = snapshotEvery } });
}
