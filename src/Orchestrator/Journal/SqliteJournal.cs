using System.Reflection;
using Akka.Persistence.Sql.Journal;
using Akka.Persistence.Sql.Journal.Types;
using static Orchestrator.Host.Journal.SqliteReads;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Host.Journal;

/// <summary>
/// The embedded journal: Akka.Persistence.Sql's journal on SQLite, whose recoveries read the plugin's table with
/// statements of their own (<see cref="SqliteReads"/>): the highest sequence number and the replay. Writes and deletes
/// stay the plugin's.
/// </summary>
public sealed class SqliteJournal : DirectReplaySqlJournal
{
    /// <summary>
    /// The plugin's writes in flight, by persistence id. A recovery's highest sequence number must wait for the one of
    /// its persistence id, as the plugin's own read does: an actor restarted while its last write was in flight would
    /// otherwise number its next events from below it. The plugin keeps the map private.
    /// </summary>
    private static readonly FieldInfo WritesInFlightField =
        typeof(SqlWriteJournal).GetField("_writeInProgress", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingFieldException(nameof(SqlWriteJournal), "_writeInProgress");

    private readonly Dictionary<string, Task> _writesInFlight;
    private readonly string _connectionString;
    private readonly string _highest;
    private readonly string _replay;

    public SqliteJournal(AkkaConfig journalConfig) : base(journalConfig)
    {
        var table = Config.TableConfig;
        _connectionString = CheckedConnectionString(Config.ConnectionString, table.SchemaName, nameof(SqliteJournal));
        // A mapping the statement below does not follow; the node never sets it.
        if (table.UseEventManifestColumn)
            throw new ConfigurationException($"{nameof(SqliteJournal)} reads the plugin's journal table without an event manifest column");
        // The compatibility mode keeps the highest sequence number of deleted events in a table of its own.
        if (Config.DaoConfig.SqlCommonCompatibilityMode)
            throw new ConfigurationException($"{nameof(SqliteJournal)} reads the plugin's native tables, not its compatibility mode's");
        _writesInFlight = (Dictionary<string, Task>)WritesInFlightField.GetValue(this)!;
        var events = table.EventJournalTable;
        var c = events.ColumnNames;
        var writer = events.UseWriterUuidColumn ? Quote(c.WriterUuid) : "NULL";
        // As the plugin's native mode: deleted events count, since their numbers are taken.
        _highest = $"""
            SELECT MAX({Quote(c.SequenceNumber)}) FROM {Quote(events.Name)}
            WHERE {Quote(c.PersistenceId)} = $id AND {Quote(c.SequenceNumber)} > $from
            """;
        _replay = $"""
            SELECT {Quote(c.SequenceNumber)}, {Quote(c.Message)}, {Quote(c.Identifier)}, {Quote(c.Manifest)}, {writer}, {Quote(c.Created)}
            FROM {Quote(events.Name)}
            WHERE {Quote(c.PersistenceId)} = $id AND {Quote(c.SequenceNumber)} >= $from AND {Quote(c.SequenceNumber)} <= $to AND {Quote(c.Deleted)} = 0
            ORDER BY {Quote(c.SequenceNumber)}
            LIMIT $rows
            """;
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // Called on the journal's actor: the wait and the read go on on the thread pool, as Microsoft.Data.Sqlite
        // reads synchronously.
        if (_writesInFlight.TryGetValue(persistenceId, out var writing))
            await writing.ContinueWith(static _ => { }, TaskScheduler.Default);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open(_connectionString);
        using var command = Command(connection, _highest, ("$id", persistenceId), ("$from", fromSequenceNr));
        return command.ExecuteScalar() is long highest ? highest : 0;
    }

    /// <remarks>
    /// Synchronous, as Microsoft.Data.Sqlite is: the journal calls it after <see cref="ReadHighestSequenceNrAsync"/>,
    /// on the thread pool, so it does not hold the journal's actor.
    /// </remarks>
    protected override Task<List<JournalRow>> ReadBatchAsync(ReplayBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open(_connectionString);
        using var command = Command(
            connection, _replay, ("$id", batch.PersistenceId), ("$from", batch.From), ("$to", batch.To), ("$rows", batch.Rows));
        using var reader = command.ExecuteReader();
        var rows = new List<JournalRow>();
        while (reader.Read())
        {
            rows.Add(new JournalRow
            {
                PersistenceId = batch.PersistenceId,
                SequenceNumber = reader.GetInt64(0),
                Message = reader.GetFieldValue<byte[]>(1),
                Identifier = reader.IsDBNull(2) ? null : reader.GetInt32(2),
                Manifest = reader.IsDBNull(3) ? string.Empty : reader.GetString(3),
                WriterUuid = reader.IsDBNull(4) ? null : reader.GetString(4),
                Timestamp = reader.GetInt64(5),
            });
        }
        return Task.FromResult(rows);
    }
}
