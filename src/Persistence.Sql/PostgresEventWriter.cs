using Akka.Persistence.Sql.Journal.Types;
using Npgsql;
using NpgsqlTypes;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The PostgreSQL journal's one writer: the events of every conversation, queued in the order the journal took them
/// (<see cref="JournalWriteBatcher"/>), committed by one connection in transactions of everything pending (up to
/// <c>batch-size</c> rows). A transaction is one <see cref="NpgsqlBatch"/> of prepared single-row inserts, sent in one
/// round trip and run by the server as one implicit transaction: a statement that fails rolls back the whole batch.
/// A row with tags is one statement too, inserting the row and its tags under the row's ordering, so no ordering comes
/// back to the writer. The loop is asynchronous: it holds no thread while a batch is on the wire.
/// </summary>
internal sealed class PostgresEventWriter
{
    private readonly JournalWriteBatcher _queue;
    private readonly string _connectionString;
    private readonly string _insertEvent;
    private readonly string _insertTaggedEvent;
    private readonly bool _withWriterUuid;
    private NpgsqlConnection? _connection;

    /// <param name="connectionString">The plugin's: the writer holds one connection of its pool.</param>
    public PostgresEventWriter(string connectionString, JournalStatements statements, int batchSize, int bufferSize)
    {
        _connectionString = connectionString;
        _queue = new JournalWriteBatcher(batchSize, bufferSize, new NpgsqlConnectionStringBuilder(connectionString).Database ?? "");
        _withWriterUuid = statements.WithWriterUuid;
        // Positional parameters: Npgsql sends them as they are, without rewriting the statement for every row.
        var values = $"$1, $2, false, $3, $4, $5, $6{(_withWriterUuid ? ", $7" : "")}";
        _insertEvent = $"INSERT INTO {statements.Events} ({statements.EventColumns}) VALUES ({values})";
        var tags = _withWriterUuid ? "$8" : "$7";
        _insertTaggedEvent = $"""
            WITH e(ordering) AS ({_insertEvent} RETURNING {statements.Ordering})
            INSERT INTO {statements.Tags} ({statements.TagColumns})
            SELECT e.ordering, t.tag, $2, $1 FROM e CROSS JOIN unnest({tags}::text[]) AS t(tag)
            """;
        Stopped = Task.Run(() => _queue.RunAsync(InsertAsync)).ContinueWith(_ => CloseAsync().AsTask(), TaskScheduler.Default).Unwrap();
    }

    /// <summary>Ends when the writer has stopped (<see cref="Stop"/>) and closed its connection.</summary>
    public Task Stopped { get; }

    /// <inheritdoc cref="JournalWriteBatcher.Enqueue"/>
    public Task WriteAsync(JournalRow[] rows) => _queue.Enqueue(rows);

    /// <inheritdoc cref="JournalWriteBatcher.Stop"/>
    public void Stop() => _queue.Stop();

    /// <summary>
    /// The writes' rows in one batch. A failure the server reports (<see cref="PostgresException"/>) rolled the batch
    /// back, so the writes are tried again alone; any other (the connection lost, say) may have come after the commit
    /// and is final.
    /// </summary>
    private async ValueTask<WriteFailure?> InsertAsync(IReadOnlyList<PendingWrite> writes)
    {
        try
        {
            var connection = _connection ??= await OpenAsync(_connectionString, CancellationToken.None).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection);
            foreach (var write in writes)
                foreach (var row in write.Rows)
                    batch.BatchCommands.Add(Insert(row));
            await batch.PrepareAsync().ConfigureAwait(false);
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            if (e is not PostgresException || _connection?.FullState != System.Data.ConnectionState.Open) await CloseAsync().ConfigureAwait(false);
            return new WriteFailure(e, OutcomeUnknown: e is not PostgresException);
        }
    }

    /// <summary>The row, with its tags into the tag table under the row's ordering, as the plugin's tag-table mode writes them.</summary>
    private NpgsqlBatchCommand Insert(JournalRow row)
    {
        var tags = row.TagArray;
        var tagged = tags is { Length: > 0 };
        var command = new NpgsqlBatchCommand(tagged ? _insertTaggedEvent : _insertEvent);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = row.PersistenceId, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<long> { TypedValue = row.SequenceNumber, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<long> { TypedValue = row.Timestamp, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = row.Message, NpgsqlDbType = NpgsqlDbType.Bytea });
        p.Add(new NpgsqlParameter { Value = (object?)row.Manifest ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter { Value = row.Identifier is { } identifier ? identifier : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        if (_withWriterUuid) p.Add(new NpgsqlParameter { Value = (object?)row.WriterUuid ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        if (tagged) p.Add(new NpgsqlParameter<string[]> { TypedValue = tags, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return command;
    }

    /// <summary>An open connection from Npgsql's pool for <paramref name="connectionString"/>.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async ValueTask CloseAsync()
    {
        if (_connection is null) return;
        await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
    }
}
