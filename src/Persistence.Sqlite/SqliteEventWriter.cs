using System.Threading.Channels;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Journal.Types;
using Microsoft.Data.Sqlite;
using static Orchestrator.Persistence.Sqlite.SqliteReads;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded journal's one writer: the events of every conversation, queued in the order the journal took them,
/// committed by one connection in transactions of everything pending (up to <c>batch-size</c> rows), each row by one
/// prepared single-row insert. SQLite takes one writer at a time, so one that gathers what queued during its last
/// commit pays one commit (an fsync with <c>synchronous = FULL</c>) for many conversations. One prepared single-row
/// insert is reused, where linq2db builds every multi-row insert anew. The writer has a thread of
/// its own, as Microsoft.Data.Sqlite blocks: its commits hold no thread of the pool, and do not wait for one behind the
/// actors' work in the pool's queue.
/// </summary>
internal sealed class SqliteEventWriter
{
    private readonly Channel<PendingWrite> _pending;
    private readonly string _connectionString;
    private readonly Action<SqliteConnection> _configure;
    private readonly int _batchSize;
    private readonly int _bufferSize;
    private readonly string _insertEvent;
    private readonly string _insertTaggedEvent;
    private readonly string _insertTag;
    private readonly bool _withWriterUuid;
    private readonly KeyValuePair<string, object?> _database;
    private SqliteConnection? _connection;
    private Statements? _statements;
    private volatile bool _stopped;

    /// <param name="configure">What each journal connection does as it opens (locks and <c>synchronous</c>).</param>
    public SqliteEventWriter(string connectionString, JournalTableConfig table, int batchSize, int bufferSize, Action<SqliteConnection> configure)
    {
        _connectionString = connectionString;
        _database = new(JournalMetrics.DatabaseTag, Path.GetFileName(new SqliteConnectionStringBuilder(connectionString).DataSource));
        _configure = configure;
        _batchSize = batchSize;
        _bufferSize = bufferSize;
        _pending = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(bufferSize) { SingleReader = true });
        var events = table.EventJournalTable;
        var c = events.ColumnNames;
        _withWriterUuid = events.UseWriterUuidColumn;
        var writerColumn = _withWriterUuid ? $", {Quote(c.WriterUuid)}" : "";
        var writerValue = _withWriterUuid ? ", $writer" : "";
        // Deleted false, as the plugin writes it; ordering is the table's own autoincrement.
        _insertEvent = $"""
            INSERT INTO {Quote(events.Name)} ({Quote(c.PersistenceId)}, {Quote(c.SequenceNumber)}, {Quote(c.Deleted)}, {Quote(c.Created)}, {Quote(c.Message)}, {Quote(c.Manifest)}, {Quote(c.Identifier)}{writerColumn})
            VALUES ($id, $sequence, 0, $created, $message, $manifest, $serializer{writerValue})
            """;
        _insertTaggedEvent = $"{_insertEvent} RETURNING {Quote(c.Ordering)}";
        var tags = table.TagTable;
        var t = tags.ColumnNames;
        _insertTag = $"""
            INSERT INTO {Quote(tags.Name)} ({Quote(t.OrderingId)}, {Quote(t.Tag)}, {Quote(t.SequenceNumber)}, {Quote(t.PersistenceId)})
            VALUES ($ordering, $tag, $sequence, $id)
            """;
        new Thread(WriteUntilStopped) { IsBackground = true, Name = "sqlite-journal-writer" }.Start();
    }

    /// <summary>
    /// Queues one write's rows; the task ends when they are committed, all of them or none. A write that cannot be
    /// queued (the queue full, or the writer stopped) fails at once rather than waiting without bound.
    /// </summary>
    public Task WriteAsync(JournalRow[] rows)
    {
        var write = new PendingWrite(rows);
        if (_pending.Writer.TryWrite(write)) return write.Committed;
        return Task.FromException(_stopped
            ? new OperationCanceledException("the journal stopped before this write was queued")
            : new InvalidOperationException($"the journal's write queue is full ({_bufferSize} writes waiting for a commit)"));
    }

    /// <summary>
    /// Ends the writer: the commit in flight finishes, the writes still queued fail cancelled, as the plugin's do when
    /// its journal stops.
    /// </summary>
    public void Stop()
    {
        _stopped = true;
        _pending.Writer.TryComplete();
    }

    private void WriteUntilStopped()
    {
        var batch = new List<PendingWrite>();
        var reader = _pending.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                if (_stopped)
                {
                    while (reader.TryRead(out var cancelled)) cancelled.Fail(new OperationCanceledException("the journal stopped before this write was committed"));
                    continue;
                }
                var rows = 0;
                while (reader.TryPeek(out var next) && (batch.Count == 0 || rows + next.Rows.Length <= _batchSize))
                {
                    reader.TryRead(out _);
                    batch.Add(next);
                    rows += next.Rows.Length;
                }
                Commit(batch, rows);
                batch.Clear();
            }
        }
        finally
        {
            CloseConnection();
        }
    }

    /// <summary>
    /// One transaction for the whole batch. If a row fails before the commit (another writer's event under the same
    /// number, say), nothing of the batch was written: each write is tried again alone, so that only the failing one
    /// fails and the other conversations' events are not lost with it. A failed commit is not tried again: its
    /// outcome is not known.
    /// </summary>
    private void Commit(List<PendingWrite> batch, int rows)
    {
        var failure = Insert(batch);
        if (failure is null)
        {
            JournalMetrics.RecordCommit(rows, _database);
            foreach (var write in batch) write.Succeed();
            return;
        }
        if (batch.Count == 1 || failure.Committing)
        {
            foreach (var write in batch) write.Fail(failure.Error);
            return;
        }
        foreach (var write in batch)
        {
            var alone = Insert([write]);
            if (alone is null)
            {
                JournalMetrics.RecordCommit(write.Rows.Length, _database);
                write.Succeed();
            }
            else write.Fail(alone.Error);
        }
    }

    private Failure? Insert(List<PendingWrite> writes)
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
            return new Failure(e, committing);
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

    private sealed record Failure(Exception Error, bool Committing);

    /// <summary>One <c>WriteMessages</c>' rows and the task that reports their commit.</summary>
    private sealed class PendingWrite(JournalRow[] rows)
    {
        private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public JournalRow[] Rows { get; } = rows;

        public Task Committed => _committed.Task;

        public void Succeed() => _committed.TrySetResult();

        public void Fail(Exception error) => _committed.TrySetException(error);
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
