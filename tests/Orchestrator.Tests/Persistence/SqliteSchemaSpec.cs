using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The node's SQLite journal and snapshot store create their tables with plain statements (<c>SqliteSchema</c>), not
/// through the plugin's linq2db initialisation: a database they create has the tables, columns and indexes of one the
/// plugin's own journal and store create.
/// </summary>
public sealed class SqliteSchemaSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_node_creates_the_tables_the_plugin_creates()
    {
        await using var node = await TestJournal.CreateAsync(JournalKind.Sqlite);
        await using var stock = await TestJournal.CreateAsync(JournalKind.Sqlite);
        await StartPluginsAsync(node, await node.NodeConfigAsync());
        var stockConfig = ConfigurationFactory.ParseString("""
            akka.persistence.journal.sql.class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
            akka.persistence.snapshot-store.sql.class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
            """).WithFallback(await stock.NodeConfigAsync());
        await StartPluginsAsync(stock, stockConfig);

        var created = Schema(node);
        Assert.Contains(created, line => line.StartsWith("index journal_uq on journal: unique persistence_id, sequence_number", StringComparison.Ordinal));
        Assert.Equal(Schema(stock), created);
    }

    /// <summary>Writes an event and loads a snapshot, so that both plugins have initialised their tables.</summary>
    private static async Task StartPluginsAsync(TestJournal journal, Config config)
    {
        using var system = ActorSystem.Create("schema", journal.NodeSetup(config));
        var kit = new TestKit(system);
        var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
        var probe = kit.CreateTestProbe();
        persistence.JournalFor(null).Tell(
            new WriteMessages([new AtomicWrite(new Persistent("event", 1, "schema"))], probe, 1), probe);
        probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
        probe.ExpectMsg<WriteMessageSuccess>(Wait);
        persistence.SnapshotStoreFor(null).Tell(new LoadSnapshot("schema", SnapshotSelectionCriteria.Latest, long.MaxValue), probe);
        probe.ExpectMsg<LoadSnapshotResult>(Wait);
        await system.Terminate();
    }

    /// <summary>Every table's columns (name, type, not null, key) and every index's columns, one line each, sorted.</summary>
    private static List<string> Schema(TestJournal journal)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(journal.DataDirectory!, SqliteJournalStore.FileName)};Pooling=False");
        connection.Open();
        var lines = new List<string>();
        foreach (var table in Strings(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence'"))
        {
            lines.AddRange(Strings(connection, $"SELECT name || ' ' || type || ' ' || \"notnull\" || ' ' || pk FROM pragma_table_info('{table}')")
                .Select(column => $"column {table}: {column}"));
            foreach (var index in Strings(connection, $"SELECT name || '|' || \"unique\" FROM pragma_index_list('{table}')"))
            {
                var (name, unique) = (index.Split('|')[0], index.Split('|')[1] == "1");
                var columns = string.Join(", ", Strings(connection, $"SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"));
                lines.Add($"index {name} on {table}: {(unique ? "unique " : "")}{columns}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }
}
