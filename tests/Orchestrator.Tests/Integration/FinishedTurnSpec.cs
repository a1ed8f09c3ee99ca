using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// What a conversation costs once its turn has ended through the client: it passivates, and nothing starts it again.
/// Every start of a conversation is a recovery from the journal (its snapshot, its events, sharding's remembered
/// entities written twice), so one started again for nothing costs a node as much as a restart for every turn.
/// Run alone: the recovery meter is process-wide.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class FinishedTurnSpec
{
    private const int Conversations = 20;

    [Fact]
    public async Task A_conversation_whose_turn_ended_passivates_without_being_started_again()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        using var recoveries = new MetricCollector<double>(null, EngineMetrics.MeterName, ConversationTelemetry.RecoveryDuration);
        await using var node = await TestNodes.StartAsync(journal, emulator.ResponsesUrl);
        var region = node.Services.GetRequiredService<ActorRegistry>().Get<ConversationRegion>();

        var ids = Enumerable.Range(0, Conversations).Select(i => $"c-finished-{i}").ToArray();
        var turns = await Task.WhenAll(ids.Select(id => node.RunTurnAsync(id, "look it up tools:2")));
        Assert.All(turns, turn => Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", turn.Completed().Text));

        // The shard answers its state between messages, so a conversation it is starting again shows as live.
        await WhenNoConversationIsLive(region);
        Assert.Equal(Conversations, recoveries.GetMeasurementSnapshot().Count);
    }

    private static Task WhenNoConversationIsLive(IActorRef region)
    {
        var live = 0;
        return Poll.UntilAsync(
            async () =>
            {
                var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
                live = state.Shards.Sum(shard => shard.EntityIds.Count);
                return live == 0;
            },
            TimeSpan.FromSeconds(30),
            () => $"{live} conversations still live 30 s after their turns ended");
    }
}
