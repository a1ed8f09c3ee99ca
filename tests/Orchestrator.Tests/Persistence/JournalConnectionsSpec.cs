using System.Data.Common;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LinqToDB.Interceptors;
using LinqToDB.Mapping;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The node's journals and snapshot stores open a connection per query and per commit. Each must come with the mapping
/// schema the plugin built once, not a freshly combined schema per connection, as a connection cloned from a template
/// (the plugin's default) would get.
/// </summary>
public sealed class JournalConnectionsSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_connection_of_a_journal_shares_its_mapping_schema()
    {
        var schemas = await RecordSchemasAsync((persistence, probe) =>
        {
            foreach (var pluginId in new[] { "akka.persistence.journal.sql", "akka.persistence.journal.sharding" })
            {
                var plugin = persistence.JournalFor(pluginId);
                for (var i = 1; i <= 3; i++)
                {
                    plugin.Tell(new WriteMessages([new AtomicWrite(new Persistent($"event {i}", i, "connections"))], probe, 1), probe);
                    probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
                    probe.ExpectMsg<WriteMessageSuccess>(Wait);
                    plugin.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "connections", probe), probe);
                    probe.ReceiveN(i, Wait);
                    Assert.Equal(i, probe.ExpectMsg<RecoverySuccess>(Wait).HighestSequenceNr);
                }
            }
        });

        // One schema, however many connections were opened: sharding's journal does everything through linq2db, and
        // the conversations' journal none of this (it makes its tables, writes and reads with statements of its own).
        Assert.True(schemas.Connections >= 9, $"{schemas.Connections} connections");
        Assert.Equal(1, schemas.Distinct);
    }

    [Fact]
    public async Task Every_connection_of_a_snapshot_store_shares_its_mapping_schema()
    {
        var schemas = await RecordSchemasAsync((persistence, probe) =>
        {
            foreach (var pluginId in new[] { "akka.persistence.snapshot-store.sql", "akka.persistence.snapshot-store.sharding" })
            {
                var plugin = persistence.SnapshotStoreFor(pluginId);
                for (var i = 1; i <= 3; i++)
                {
                    plugin.Tell(new SaveSnapshot(new SnapshotMetadata("connections", i, DateTime.UtcNow), $"snapshot {i}"), probe);
                    probe.ExpectMsg<SaveSnapshotSuccess>(Wait);
                    plugin.Tell(new LoadSnapshot("connections", SnapshotSelectionCriteria.Latest, long.MaxValue), probe);
                    Assert.Equal(i, probe.ExpectMsg<LoadSnapshotResult>(Wait).Snapshot.Metadata.SequenceNr);
                }
            }
        });

        // One schema per snapshot store (saves, and sharding's loads: the conversations' store loads without linq2db).
        Assert.True(schemas.Connections >= 9, $"{schemas.Connections} connections");
        Assert.Equal(2, schemas.Distinct);
    }

    /// <summary>Runs <paramref name="exercise"/> on a node of the SQLite journal, recording each connection's schema.</summary>
    private static async Task<SchemaRecorder> RecordSchemasAsync(Action<Akka.Persistence.PersistenceExtension, TestProbe> exercise)
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        var config = await journal.NodeConfigAsync();
        var schemas = new SchemaRecorder();
        using var kit = new TestKit(ActorSystem.Create("connections", TestJournal.SqliteNodeSetup(config, schemas)));
        exercise(Akka.Persistence.Persistence.Instance.Apply(kit.Sys), kit.CreateTestProbe());
        return schemas;
    }

    private sealed class SchemaRecorder : ConnectionInterceptor
    {
        private readonly HashSet<MappingSchema> _schemas = new(ReferenceEqualityComparer.Instance);
        private int _connections;

        public int Connections { get { lock (_schemas) return _connections; } }

        public int Distinct { get { lock (_schemas) return _schemas.Count; } }

        public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection) => Record(eventData);

        public override Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
        {
            Record(eventData);
            return Task.CompletedTask;
        }

        private void Record(ConnectionEventData eventData)
        {
            lock (_schemas)
            {
                _connections++;
                _schemas.Add(eventData.DataConnection!.MappingSchema);
            }
        }
    }
}
