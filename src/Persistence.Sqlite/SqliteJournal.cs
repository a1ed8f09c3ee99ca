using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Journal.Dao;
using Akka.Persistence.Sql.Journal.Types;
using Akka.Util;
using Microsoft.Data.Sqlite;
using Orchestrator.Persistence.Sql;
using static Orchestrator.Persistence.Sqlite.SqliteReads;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded journal: Akka.Persistence.Sql's journal on SQLite, writing the plugin's tables with a writer of its own
/// (<see cref="SqliteEventWriter"/>) and reading them for recoveries with statements of its own
/// (<see cref="SqliteReads"/>): the highest sequence number and the replay. Events are serialised by the plugin's own
/// serializer, so the rows are the plugin's; partial deletes stay the plugin's. A purge (see
/// <see cref="DirectReplaySqlJournal"/>) deletes the rows with their content zeroed and truncates the WAL
/// (<see cref="SqliteWal"/>), so that the text is gone from the files too: the snapshots' as well, since a conversation
/// deletes them (through the node's connections, which zero deleted content too) before its events.
/// </summary>
public sealed class SqliteJournal : DirectReplaySqlJournal
{
    /// <summary>
    /// Writes not yet committed, by persistence id. A recovery's highest sequence number waits for the one of its
    /// persistence id, as the plugin's own read does: an actor restarted while its last write was in flight would
    /// otherwise number its next events from below it. Touched on the journal's actor only.
    /// </summary>
    private readonly Dictionary<string, Task> _writesInFlight = [];
    private readonly ByteArrayJournalSerializer _serializer;
    private readonly SqliteEventWriter _writer;
    private readonly Action<SqliteConnection> _configure;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _connectionString;
    private readonly string _highest;
    private readonly string _replay;
    private readonly string _purge;

    public SqliteJournal(AkkaConfig journalConfig) : this(SqliteSchema.TakeOverInitialisation(journalConfig))
    {
    }

    private SqliteJournal((AkkaConfig Config, bool CreateTables) plugin) : base(plugin.Config)
    {
        var table = Config.TableConfig;
        _connectionString = CheckedConnectionString(Config.ConnectionString, table.SchemaName, nameof(SqliteJournal));
        // A mapping the statements below do not follow; the node never sets it.
        if (table.UseEventManifestColumn)
            throw new ConfigurationException($"{nameof(SqliteJournal)} reads the plugin's journal table without an event manifest column");
        // The compatibility mode keeps the highest sequence number of deleted events in a table of its own.
        if (Config.DaoConfig.SqlCommonCompatibilityMode)
            throw new ConfigurationException($"{nameof(SqliteJournal)} reads the plugin's native tables, not its compatibility mode's");
        if (Config.PluginConfig.TagMode != TagMode.TagTable)
            throw new ConfigurationException($"{nameof(SqliteJournal)} writes tags to the plugin's tag table (tag-write-mode = TagTable), not in mode {Config.PluginConfig.TagMode}");
        var events = table.EventJournalTable;
        _serializer = new ByteArrayJournalSerializer(
            Config, Context.System.Serialization, Config.PluginConfig.TagSeparator, events.UseWriterUuidColumn ? Guid.NewGuid().ToString("N") : null);
        var connections = SqliteConnectionInterceptor.In(Config.DataOptions);
        _configure = connection => { if (connections is null) SqliteConnectionInterceptor.WaitForLocksInSqlite(connection); else connections.Configure(connection); };
        _writer = new SqliteEventWriter(_connectionString, table, Config.DaoConfig.BatchSize, Config.DaoConfig.BufferSize, _configure);
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
        if (plugin.CreateTables) SqliteSchema.Create(_connectionString, SqliteSchema.Journal(table));
        var tags = table.TagTable;
        _purge = $"""
            DELETE FROM {Quote(tags.Name)} WHERE {Quote(tags.ColumnNames.PersistenceId)} = $id;
            DELETE FROM {Quote(events.Name)} WHERE {Quote(c.PersistenceId)} = $id;
            """;
    }

    /// <summary>
    /// Serialises the events as the plugin does and queues their rows to the writer. An event that fails to serialise
    /// rejects its own atomic write only; the others are written. The journal's circuit breaker bounds the wait
    /// (its call timeout); a write once queued is committed or failed by the writer, not withdrawn.
    /// </summary>
    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var serialized = _serializer.Serialize(writes, DateTime.UtcNow.Ticks);
        var rows = serialized.Where(s => s.IsSuccess).SelectMany(s => s.Success.Value).ToArray();
        var written = WrittenAsync(rows.Length == 0 ? Task.CompletedTask : _writer.WriteAsync(rows), serialized);
        var persistenceId = writes[0].PersistenceId;
        _writesInFlight[persistenceId] = written;
        var self = Self;
        written.ContinueWith(
            write => self.Tell(new WriteDone(persistenceId, write)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return written;
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not WriteDone done) return base.ReceivePluginInternal(message);
        // A later write of the same persistence id may have taken its place.
        if (_writesInFlight.TryGetValue(done.PersistenceId, out var latest) && latest == done.Write)
            _writesInFlight.Remove(done.PersistenceId);
        return true;
    }

    protected override void PostStop()
    {
        _writer.Stop();
        base.PostStop();
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

    /// <summary>
    /// Deletes the rows and tags on a connection of the node's (content zeroed, <c>secure_delete</c>), then truncates
    /// the WAL. Its writes in flight are committed first: <see cref="DirectReplaySqlJournal.DeleteMessagesToAsync"/>
    /// read the highest sequence number after them.
    /// </summary>
    protected override async Task PurgeAsync(string persistenceId, CancellationToken cancellationToken)
    {
        // Off the journal's actor: Microsoft.Data.Sqlite runs synchronously.
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open(_connectionString);
        _configure(connection);
        using (var zero = Command(connection, SqliteConnectionInterceptor.ZeroDeletedContent)) zero.ExecuteNonQuery();
        using (var transaction = connection.BeginTransaction(deferred: false))
        using (var command = Command(connection, _purge, ("$id", persistenceId)))
        {
            command.Transaction = transaction;
            command.ExecuteNonQuery();
            transaction.Commit();
        }
        if (!SqliteWal.Truncate(connection))
            _log.Warning("Journal: the events of {0} are deleted, but the WAL could not be truncated (a reader or writer held it for {1}); their bytes stay in it until the next full checkpoint", persistenceId, SqliteWal.BusyWait);
    }

    /// <summary>The rejections of the events that failed to serialise, once the others are committed.</summary>
    private static async Task<IImmutableList<Exception>> WrittenAsync(Task committed, List<Try<JournalRow[]>> serialized)
    {
        await committed.ConfigureAwait(false);
        return serialized.Select(s => s.Failure.HasValue ? s.Failure.Value : null).ToImmutableList()!;
    }

    /// <summary>A write committed or failed, told to the journal so that it forgets the write in flight.</summary>
    private sealed record WriteDone(string PersistenceId, Task Write);
}
