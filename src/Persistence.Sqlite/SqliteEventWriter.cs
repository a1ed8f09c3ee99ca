using Akka.Persistence.Sql.Journal.Types;
using Microsoft.Data.Sqlite;
using Orchestrator.Persistence.Sql;
using static Orchestrator.Persistence.Sqlite.SqliteReads;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded journal's one writer: the events of every conversation, queued in the order the journal took them
/// (<see cref="JournalWriteBatcher"/>), committed by one connection in transactions of everything pending (up to
/// <c>batch-size</c> rows), each row by one prepared single-row insert. SQLite takes one writer at a time, so one that gathers what queued during its last
/// commit pays one commit (an fsync with <c>synchronous = FULL</c>) for many conversations. One prepared single-row
/// insert is reused, where linq2db builds every multi-row insert anew. The writer has a thread of
/// its own, as Microsoft.Data.Sqlite blocks: its commits hold no thread of the pool, and do not wait for one behind the
/// actors' work in the pool's queue.
/// </summary>
internal sealed class SqliteEventWriter
{
    private readonly JournalWriteBatcher _batcher;
    private readonly string _connectionString;
    private readonly Action<SqliteConnection> _configure;
    private readonly string _insertEvent;
    private readonly string _insertTaggedEvent;
    private readonly string _insertTag;
    private readonly bool _withWriterUuid;
    private SqliteConnection? _connection;
    private Statements? _statements;

    /// <param name="configure">What each journal connection does as it opens (locks and <c>synchronous</c>).</param>
    public SqliteEventWriter(string connectionString, JournalStatements statements, int batchSize, int bufferSize, Action<SqliteConnection> configure)
    {
        _connectionString = connectionString;
        _batcher = new JournalWriteBatcher(batchSize, bufferSize, Path.GetFileName(new SqliteConnectionStringBuilder(connectionString).DataSource));
        _configure = configure;
        _withWriterUuid = statements.WithWriterUuid;
        _insertEvent = statements.InsertEvent;
        _insertTaggedEvent = statements.InsertEventReturningOrdering;
        _insertTag = statements.InsertTag;
        new Thread(WriteUntilStopped) { IsBackground = true, Name = "sqlite-journal-writer" }.Start();
    }

    /// <inheritdoc cref="JournalWriteBatcher.Enqueue"/>
    public Task WriteAsync(JournalRow[] rows) => _batcher.Enqueue(rows);

    /// <inheritdoc cref="JournalWriteBatcher.Stop"/>
    public void Stop() => _batcher.Stop();

    /// <summary>The batcher's loop on this thread: every insert completes synchronously, and so does each commit.</summary>
    private void WriteUntilStopped()
    {
        var batch = new List<PendingWrite>();
        try
        {
            while (_batcher.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                var rows = _batcher.Take(batch);
                if (batch.Count > 0) _batcher.CommitAsync(batch, rows, writes => ValueTask.FromResult(Insert(writes))).AsTask().GetAwaiter().GetResult();
                batch.Clear();
            }
        }
        finally
        {
            CloseConnection();
        }
    }

    /// <summary>
    /// One transaction for the writes. A failure before the commit (another writer's event under the same number,
    /// say) rolled it back, so the writes may be tried again alone; a failed commit's outcome is not known.
    /// </summary>
    private WriteFailure? Insert(IReadOnlyList<PendingWrite> writes)
    {
        var committing = false;
        try
        {
            var statements = Prepared();
            using var transaction = _connection!.BeginTransaction(deferred: false);
            statements.Enlist(transaction);
            foreach (var write in writes)
                foreach (var row in write.Rows)
                    statements.Insert(row);
            committing = true;
            transaction.Commit();
            return null;
        }
        catch (Exception e)
        {
            // Closing the connection rolls back whatever the failure left open, whatever state the statement was in.
            CloseConnection();
            return new WriteFailure(e, OutcomeUnknown: committing);
        }
    }

    private Statements Prepared()
    {
        if (_statements is not null) return _statements;
        _connection = Open(_connectionString);
        _configure(_connection);
        return _statements = new Statements(_connection, _insertEvent, _insertTaggedEvent, _insertTag, _withWriterUuid);
    }

    private void CloseConnection()
    {
        _statements?.Dispose();
        _statements = null;
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>
    /// The writer's statements on its connection, each parsed once and bound again for every row: Microsoft.Data.Sqlite
    /// keeps a command's prepared statement while its text stays the same.
    /// </summary>
    private sealed class Statements : IDisposable
    {
        private readonly SqliteCommand _event;
        private readonly SqliteCommand _taggedEvent;
        private readonly SqliteCommand _tag;
        private readonly EventParameters _eventParameters;
        private readonly EventParameters _taggedEventParameters;
        private readonly SqliteParameter _tagOrdering;
        private readonly SqliteParameter _tagName;
        private readonly SqliteParameter _tagSequence;
        private readonly SqliteParameter _tagId;

        public Statements(SqliteConnection connection, string insertEvent, string insertTaggedEvent, string insertTag, bool withWriterUuid)
        {
            (_event, _eventParameters) = EventCommand(connection, insertEvent, withWriterUuid);
            (_taggedEvent, _taggedEventParameters) = EventCommand(connection, insertTaggedEvent, withWriterUuid);
            _tag = connection.CreateCommand();
            _tag.CommandText = insertTag;
            _tagOrdering = _tag.Parameters.Add("$ordering", SqliteType.Integer);
            _tagName = _tag.Parameters.Add("$tag", SqliteType.Text);
            _tagSequence = _tag.Parameters.Add("$sequence", SqliteType.Integer);
            _tagId = _tag.Parameters.Add("$id", SqliteType.Text);
        }

        public void Enlist(SqliteTransaction transaction)
        {
            _event.Transaction = transaction;
            _taggedEvent.Transaction = transaction;
            _tag.Transaction = transaction;
        }

        /// <summary>The row, and its tags into the tag table under the row's ordering, as the plugin's tag-table mode writes them.</summary>
        public void Insert(JournalRow row)
        {
            var tags = row.TagArray;
            if (tags is not { Length: > 0 })
            {
                _eventParameters.Bind(row);
                _event.ExecuteNonQuery();
                return;
            }
            _taggedEventParameters.Bind(row);
            _tagOrdering.Value = (long)_taggedEvent.ExecuteScalar()!;
            _tagSequence.Value = row.SequenceNumber;
            _tagId.Value = row.PersistenceId;
            foreach (var tag in tags)
            {
                _tagName.Value = tag;
                _tag.ExecuteNonQuery();
            }
        }

        public void Dispose()
        {
            _event.Dispose();
            _taggedEvent.Dispose();
            _tag.Dispose();
        }

        private static (SqliteCommand, EventParameters) EventCommand(SqliteConnection connection, string sql, bool withWriterUuid)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            var p = command.Parameters;
            return (command, new EventParameters(
                p.Add("$id", SqliteType.Text), p.Add("$sequence", SqliteType.Integer), p.Add("$created", SqliteType.Integer),
                p.Add("$message", SqliteType.Blob), p.Add("$manifest", SqliteType.Text), p.Add("$serializer", SqliteType.Integer),
                withWriterUuid ? p.Add("$writer", SqliteType.Text) : null));
        }
    }

    private sealed record EventParameters(
        SqliteParameter Id, SqliteParameter Sequence, SqliteParameter Created, SqliteParameter Message, SqliteParameter Manifest,
        SqliteParameter Serializer, SqliteParameter? Writer)
    {
        public void Bind(JournalRow row)
        {
            Id.Value = row.PersistenceId;
            Sequence.Value = row.SequenceNumber;
            Created.Value = row.Timestamp;
            Message.Value = row.Message;
            Manifest.Value = (object?)row.Manifest ?? DBNull.Value;
            Serializer.Value = row.Identifier is { } identifier ? identifier : DBNull.Value;
            if (Writer is not null) Writer.Value = (object?)row.WriterUuid ?? DBNull.Value;
        }
    }
}
