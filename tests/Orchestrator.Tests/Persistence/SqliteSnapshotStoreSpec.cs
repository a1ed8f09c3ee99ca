using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// <see cref="SqliteSnapshotStore"/>, the node's snapshot store on SQLite, loads what the plugin's own store loads — the
/// same snapshot, its sequence number and time — read side by side from one database.
/// </summary>
public sealed class SqliteSnapshotStoreSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>The plugin's snapshot store on the same tables, to compare with.</summary>
    private const string StockStore = "akka.persistence.snapshot-store.stock";

    [Fact]
    public Task Loads_what_the_plugins_store_loads() => LoadsWhatThePluginsStoreLoadsAsync(JournalKind.Sqlite, typeof(SqliteSnapshotStore));

    /// <summary>Snapshots saved by the node's store of <paramref name="kind"/>, loaded by it and by the plugin's on the same tables.</summary>
    internal static async Task LoadsWhatThePluginsStoreLoadsAsync(JournalKind kind, Type nodeStore)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        using var kit = new TestKit(ActorSystem.Create("snapshots", await ConfigAsync(journal, nodeStore)));
        var persistence = Akka.Persistence.Persistence.Instance.Apply(kit.Sys);
        var node = persistence.SnapshotStoreFor(null);
        var stock = persistence.SnapshotStoreFor(StockStore);
        var probe = kit.CreateTestProbe();
        var written = DateTime.UtcNow;
        for (var i = 1; i <= 3; i++)
        {
            node.Tell(new SaveSnapshot(new SnapshotMetadata("conversation-s", i, written.AddSeconds(i)), Snapshot(i)), probe);
            probe.ExpectMsg<SaveSnapshotSuccess>(Wait);
        }
        node.Tell(new DeleteSnapshot(new SnapshotMetadata("conversation-s", 3, written.AddSeconds(3))), probe);
        probe.ExpectMsg<DeleteSnapshotSuccess>(Wait);

        // The latest (the node's own statement), and selections the node's store leaves to the plugin's queries.
        SnapshotSelectionCriteria[] selections =
            [SnapshotSelectionCriteria.Latest, new(2), new(1), new(long.MaxValue, written.AddSeconds(2).AddTicks(-1))];
        foreach (var criteria in selections)
            Assert.Equal(Load(stock, probe, "conversation-s", criteria), Load(node, probe, "conversation-s", criteria));
        Assert.Equal($"2 at {written.AddSeconds(2).Ticks}: 2 messages, last response_2", Load(node, probe, "conversation-s", SnapshotSelectionCriteria.Latest));
        Assert.Equal($"1 at {written.AddSeconds(1).Ticks}: 1 messages, last response_1", Load(node, probe, "conversation-s", new(long.MaxValue, written.AddSeconds(2).AddTicks(-1))));
        Assert.Equal("none", Load(node, probe, "conversation-none", SnapshotSelectionCriteria.Latest));
        Assert.Equal("none", Load(stock, probe, "conversation-none", SnapshotSelectionCriteria.Latest));
    }

    /// <summary>The node's configuration, with the plugin's own snapshot store on the same tables.</summary>
    private static async Task<Config> ConfigAsync(TestJournal journal, Type nodeStore)
    {
        var node = await journal.NodeConfigAsync();
        Assert.StartsWith(nodeStore.FullName!, node.GetString("akka.persistence.snapshot-store.sql.class"));
        return TestJournal.StockPlugin(node, "akka.persistence.snapshot-store.sql", StockStore, "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore");
    }

    private static ConversationSnapshot Snapshot(int i) => new(
        Settings: null,
        Window: [.. Enumerable.Range(1, i).Select(n => Item.UserMessage($"message {n}"))],
        ChainLength: i,
        LastResponseId: $"response_{i}",
        OpenCalls: [],
        TurnOpen: false,
        TurnMessageIds: [],
        Queued: [],
        MessageIds: []);

    /// <summary>What a recovery is offered: the snapshot's sequence number, time and content, or "none".</summary>
    private static string Load(IActorRef store, TestProbe probe, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        store.Tell(new LoadSnapshot(persistenceId, criteria, long.MaxValue), probe);
        return probe.ExpectMsg<LoadSnapshotResult>(Wait).Snapshot switch
        {
            null => "none",
            { Metadata: var m, Snapshot: ConversationSnapshot s } =>
                $"{m.SequenceNr} at {m.Timestamp.Ticks}: {s.Window.Count} messages, last {s.LastResponseId}",
            var other => throw new Xunit.Sdk.XunitException($"unexpected snapshot {other.Snapshot}"),
        };
    }
}
