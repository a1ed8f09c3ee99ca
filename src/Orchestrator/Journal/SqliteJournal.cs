using Akka.Persistence.Sql.Journal.Types;
using static Orchestrator.Host.Journal.SqliteReads;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Host.Journal;

/// <summary>
/// The embedded journal: Akka.Persistence.Sql's journal on SQLite, whose replays read the plugin's table with a statement
/// of their own (<see cref="SqliteReads"/>). Writes, deletes and the highest sequence number stay the plugin's.
/// </summary>
public sealed class SqliteJournal : DirectReplaySqlJournal
{
    private readonly string _connectionString;
    private readonly string _replay;

    public SqliteJournal(AkkaConfig journalConfig) : base(journalConfig)
    {
        var table = Config.TableConfig;
        _connectionString = CheckedConnectionString(Config.ConnectionString, table.SchemaName, nameof(SqliteJournal));
        // A mapping the statement below does not follow; the node never sets it.
        if (table.UseEventManifestColumn)
            throw new ConfigurationException($"{nameof(SqliteJournal)} reads the plugin's journal table without an event manifest column");
        var events = table.EventJournalTable;
        var c = events.ColumnNames;
        var writer = events.UseWriterUuidColumn ? Quote(c.WriterUuid) : "NULL";
        _replay = $"""
            SELECT {Quote(c.SequenceNumber)}, {Quote(c.Message)}, {Quote(c.Identifier)}, {Quote(c.Manifest)}, {writer}, {Quote(c.Created)}
            FROM {Quote(events.Name)}
            WHERE {Quote(c.PersistenceId)} = $id AND {Quote(c.SequenceNumber)} >= $from AND {Quote(c.SequenceNumber)} <= $to AND {Quote(c.Deleted)} = 0
            ORDER BY {Quote(c.SequenceNumber)}
            LIMIT $rows
            """;
    }

    /// <remarks>
    /// Synchronous, as Microsoft.Data.Sqlite is: the journal calls it after the highest sequence number's query, which
    /// went on on the thread pool, so it does not hold the journal's actor.
    /// </remarks>
    protected override Task<List<JournalRow>> ReadBatchAsync(ReplayBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open(_connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = _replay;
        command.Parameters.AddWithValue("$id", batch.PersistenceId);
        command.Parameters.AddWithValue("$from", batch.From);
        command.Parameters.AddWithValue("$to", batch.To);
        command.Parameters.AddWithValue("$rows", batch.Rows);
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
