using Akka.Event;
using Akka.Persistence.Sql.Journal.Types;
using Microsoft.Data.Sqlite;
using Orchestrator.Persistence.Sql;
using static Orchestrator.Persistence.Sqlite.SqliteReads;
using AkkaConfig = Akka.Configuration.Config;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded journal: Akka.Persistence.Sql's journal on SQLite, writing the plugin's tables with a writer of its own
/// (<see cref="SqliteEventWriter"/>) and reading them for recoveries with statements of its own
/// (<see cref="SqliteReads"/>): the highest sequence number and the replay, on connections kept open with the
/// statements prepared (<see cref="SqliteReadSessions"/>). Events are serialised by the plugin's own
/// serializer (<see cref="BatchWritingSqlJournal"/>), so the rows are the plugin's; partial deletes stay the plugin's. A purge (see
/// <see cref="DirectReplaySqlJournal"/>) deletes the rows with their content zeroed and truncates the WAL
/// (<see cref="SqliteWal"/>), so that the text is gone from the files too: the snapshots' as well, since a conversation
/// deletes them (through the node's connections, which zero deleted content too) before its events.
/// </summary>
public sealed class SqliteJournal : BatchWritingSqlJournal
{
    private readonly SqliteEventWriter _writer;
    private readonly Action<SqliteConnection> _configure;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _connectionString;
    private readonly SqliteReadSessions _reads;
    private readonly string _highest;
    private readonly string _replay;
    private readonly string _purge;

    public SqliteJournal(AkkaConfig journalConfig) : this(SqliteSchema.TakeOverInitialisation(journalConfig))
    {
    }

    private SqliteJournal((AkkaConfig Config, bool CreateTables) plugin) : base(plugin.Config, nameof(SqliteJournal), '$', "0")
    {
        var table = Config.TableConfig;
        _connectionString = CheckedConnectionString(Config.ConnectionString, table.SchemaName, nameof(SqliteJournal));
        var connections = SqliteConnectionInterceptor.In(Config.DataOptions);
        _configure = connection => { if (connections is null) SqliteConnectionInterceptor.WaitForLocksInSqlite(connection); else connections.Configure(connection); };
        _writer = new SqliteEventWriter(_connectionString, Statements, Config.DaoConfig.BatchSize, Config.DaoConfig.BufferSize, _configure);
        _reads = new SqliteReadSessions(_connectionString);
        _highest = Statements.Highest;
        _replay = Statements.Replay;
        if (plugin.CreateTables) SqliteSchema.Create(_connectionString, SqliteSchema.Journal(table));
        _purge = Statements.Purge;
    }

    protected override Task WriteRowsAsync(JournalRow[] rows) => _writer.WriteAsync(rows);

    protected override void PostStop()
    {
        _writer.Stop();
        _reads.Dispose();
        base.PostStop();
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // Called on the journal's actor: the wait and the read go on on the thread pool, as Microsoft.Data.Sqlite
        // reads synchronously.
        await WriteInFlight(persistenceId);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return _reads.Read(_highest, [("$id", persistenceId), ("$from", fromSequenceNr)], 0, static (command, _) => command.ExecuteScalar() is long highest ? highest : 0L);
    }

    /// <remarks>
    /// Synchronous, as Microsoft.Data.Sqlite is: the journal calls it after <see cref="ReadHighestSequenceNrAsync"/>,
    /// on the thread pool, so it does not hold the journal's actor.
    /// </remarks>
    protected override Task<List<JournalRow>> ReadBatchAsync(ReplayBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_reads.Read(
            _replay, [("$id", batch.PersistenceId), ("$from", batch.From), ("$to", batch.To), ("$rows", batch.Rows)], batch.PersistenceId,
            static (command, persistenceId) =>
            {
                using var reader = command.ExecuteReader();
                var rows = new List<JournalRow>();
                while (reader.Read()) rows.Add(ReplayedRow(reader, persistenceId));
                return rows;
            }));
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
}
