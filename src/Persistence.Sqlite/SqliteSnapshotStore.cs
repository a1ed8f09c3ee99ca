using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Snapshot;
using Orchestrator.Persistence.Sql;
using static Orchestrator.Persistence.Sqlite.SqliteReads;
using AkkaConfig = Akka.Configuration.Config;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded snapshot store: Akka.Persistence.Sql's on SQLite, whose recoveries read the latest snapshot with a
/// statement of their own (<see cref="SqliteReads"/>), prepared once per kept connection (<see cref="SqliteReadSessions"/>):
/// every recovery asks for one, and most conversations have none.
/// Other selections, saves and deletes stay the plugin's.
/// </summary>
public sealed class SqliteSnapshotStore : SqlSnapshotStore
{
    private readonly SqliteReadSessions _reads;
    private readonly string _latest;
    private readonly Akka.Serialization.Serialization _serialization;

    public SqliteSnapshotStore(AkkaConfig snapshotConfig) : this(SqliteSchema.TakeOverInitialisation(snapshotConfig))
    {
    }

    private SqliteSnapshotStore((AkkaConfig Config, bool CreateTables) plugin) : base(plugin.Config)
    {
        var config = new SnapshotConfig(plugin.Config.WithFallback(SqlPersistence.DefaultSnapshotConfiguration));
        var connectionString = CheckedConnectionString(config.ConnectionString, config.TableConfig.SchemaName, nameof(SqliteSnapshotStore));
        _reads = new SqliteReadSessions(connectionString);
        _serialization = Context.System.Serialization;
        var table = config.TableConfig.SnapshotTable;
        if (plugin.CreateTables) SqliteSchema.Create(connectionString, SqliteSchema.Snapshot(table));
        _latest = LatestSnapshot.Statement(table, '$');
    }

    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        if (criteria.MaxSequenceNr != long.MaxValue || criteria.MaxTimeStamp != DateTime.MaxValue)
            return await base.LoadAsync(persistenceId, criteria, cancellationToken);
        // Off the store's actor: Microsoft.Data.Sqlite runs synchronously, and a wait for a lock would hold the actor.
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return _reads.Read(_latest, [("$id", persistenceId)], (persistenceId, _serialization), static (command, state) =>
        {
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            return LatestSnapshot.FromRow(reader, state.persistenceId, state._serialization);
        });
    }

    protected override void PostStop()
    {
        _reads.Dispose();
        base.PostStop();
    }
}
