using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// A conversation of about 1,000 events recovers to the same state with and without snapshots. The recovery times
/// (the conversation's own <c>orchestrator.conversation.recovery.duration</c>) are written to the test output as a
/// measurement (the figures of issue 4); nothing is asserted about them. Run alone: the meter is process-wide.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class RecoveryTimeSpec(ITestOutputHelper output)
{
    // 1 start + 1 message + 250 responses with calls + 750 tool results + 1 answer = 1,003 events.
    private const string Job = "long history tools:3 rounds:250";

    // The first recovery in a process also compiles the recovery path; one sample on a shared machine says little.
    private const int Recoveries = 6;

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

        var recovered = new List<double>();
        var answered = new List<double>();
        for (var attempt = 0; attempt < Recoveries; attempt++)
        {
            using var recoveries = new MetricCollector<double>(null, EngineMetrics.MeterName, ConversationTelemetry.RecoveryDuration);
            await using var node = await Start(journal, emulator, snapshotEvery);
            var clock = Stopwatch.StartNew();
            var after = await node.Client.GetStatusAsync("c-history");
            answered.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(before, after);

            // The only conversation in this node is c-history: its recovery is the one measurement.
            var measurement = Assert.Single(recoveries.GetMeasurementSnapshot());
            Assert.Equal(snapshotEvery <= 1_003, measurement.Tags[ConversationTelemetry.FromSnapshotTag]);
            recovered.Add(measurement.Value * 1000);
        }

        output.WriteLine($"snapshot-every={snapshotEvery}, {before.WindowItems} window items: recovered in {Summary(recovered)}; " +
            $"first status answered in {Summary(answered)}");
    }

    private static string Summary(List<double> milliseconds)
    {
        var warm = milliseconds.Skip(1).Order().ToArray();
        return $"median {warm[warm.Length / 2]:0.0} ms, min {warm[0]:0.0} ms after a first {milliseconds[0]:0.0} ms " +
            $"(all: {string.Join(", ", milliseconds.Select(t => t.ToString("0.0")))})";
    }

    private static Task<OrchestratorNode> Start(TestJournal journal, EmulatorServer emulator, int snapshotEvery) =>
        TestNodes.StartAsync(journal, emulator.ResponsesUrl, configure: s => s with
        {
            // One long tool loop builds the history: past the default per-turn caps on purpose.
            Conversation = s.Conversation with { SnapshotEvery = snapshotEvery, MaxRoundsPerTurn = 300, MaxToolCallsPerTurn = 1_000 },
        });
}
