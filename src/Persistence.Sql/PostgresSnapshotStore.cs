using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Snapshot;
using NpgsqlTypes;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The cluster's snapshot store: Akka.Persistence.Sql's on PostgreSQL, whose recoveries read the latest snapshot with
/// one plain statement, prepared once per kept connection (<see cref="PostgresReadSessions"/>), where the plugin runs
/// <c>BEGIN; SELECT; COMMIT</c> through linq2db on a pooled connection: every recovery asks for one, and most
/// conversations have none. Other selections, saves and deletes stay the plugin's.
/// </summary>
public sealed class PostgresSnapshotStore : SqlSnapshotStore
{
    private readonly PostgresReadSessions _reads;
    private readonly PostgresStatement _latest;
    private readonly Akka.Serialization.Serialization _serialization;

    public PostgresSnapshotStore(AkkaConfig snapshotConfig) : base(snapshotConfig)
    {
        var config = new SnapshotConfig(snapshotConfig.WithFallback(SqlPersistence.DefaultSnapshotConfiguration));
        if (config.TableConfig.SchemaName is not null)
            throw new ConfigurationException($"{nameof(PostgresSnapshotStore)} reads the plugin's tables in the default schema, not '{config.TableConfig.SchemaName}'");
        if (string.IsNullOrEmpty(config.ConnectionString))
            throw new ConfigurationException($"{nameof(PostgresSnapshotStore)} needs the plugin's connection-string");
        _reads = new PostgresReadSessions(config.ConnectionString, PostgresJournal.ReadSessions(snapshotConfig, nameof(PostgresSnapshotStore)));
        _serialization = Context.System.Serialization;
        _latest = new PostgresStatement(LatestSnapshot.Statement(config.TableConfig.SnapshotTable, '@'), ("id", NpgsqlDbType.Text));
    }

    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        if (criteria.MaxSequenceNr != long.MaxValue || criteria.MaxTimeStamp != DateTime.MaxValue)
            return await base.LoadAsync(persistenceId, criteria, cancellationToken).ConfigureAwait(false);
        return await _reads.ReadAsync(_latest, (persistenceId, _serialization), static async (command, state, token) =>
        {
            PostgresReadSessions.Set(command, 0, state.persistenceId);
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            if (!await reader.ReadAsync(token).ConfigureAwait(false)) return null;
            return LatestSnapshot.FromRow(reader, state.persistenceId, state._serialization);
        }, cancellationToken).ConfigureAwait(false);
    }

    protected override void PostStop()
    {
        _reads.Dispose();
        base.PostStop();
    }
}
