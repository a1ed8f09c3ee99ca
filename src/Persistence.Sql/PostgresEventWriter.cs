using Akka.Persistence.Sql.Journal.Types;
using Npgsql;
using NpgsqlTypes;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The PostgreSQL journal's one writer: the events of every conversation, queued in the order the journal took them
/// (<see cref="JournalWriteBatcher"/>), committed in transactions of everything pending (up to <c>batch-size</c> rows).
/// A transaction is one <see cref="NpgsqlBatch"/> sent in one round trip and run by the server as one implicit
/// transaction, so a statement that fails rolls back the whole batch. Rows without tags go in runs, each run one
/// multi-row insert of arrays (<c>unnest</c>), which the server plans and runs once rather than once a row; a row with
/// tags is one statement inserting the row and its tags under the row's ordering, so no ordering comes back to the
/// writer. The rows keep the queue's order, so orderings follow it. It commits on up to <c>commit-lanes</c>
/// connections at once: the next batch is sent while the last one's commit waits for the server's WAL flush. The loop
/// is asynchronous: it holds no thread while a batch is on the wire.
/// </summary>
internal sealed class PostgresEventWriter
{
    private readonly JournalWriteBatcher _queue;
    private readonly string _connectionString;
    private readonly string _insertEvents;
    private readonly string _insertTaggedEvent;
    private readonly bool _withWriterUuid;
    private readonly NpgsqlConnection?[] _connections;

    /// <param name="connectionString">The plugin's: the writer holds one connection of its pool for each lane.</param>
    /// <param name="lanes">Batches in flight at once, each on a connection of its own.</param>
    public PostgresEventWriter(string connectionString, JournalStatements statements, int batchSize, int bufferSize, int lanes)
    {
        _connectionString = connectionString;
        _queue = new JournalWriteBatcher(batchSize, bufferSize, new NpgsqlConnectionStringBuilder(connectionString).Database ?? "");
        _connections = new NpgsqlConnection?[lanes];
        _withWriterUuid = statements.WithWriterUuid;
        // Positional parameters: Npgsql sends them as they are, without rewriting the statement for every batch.
        var writer = _withWriterUuid ? ", w" : "";
        _insertEvents = $"""
            INSERT INTO {statements.Events} ({statements.EventColumns})
            SELECT p, s, false, c, m, f, i{writer}
            FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bytea[], $5::text[], $6::integer[]{(_withWriterUuid ? ", $7::text[]" : "")}) AS r(p, s, c, m, f, i{writer})
            """;
        var values = $"$1, $2, false, $3, $4, $5, $6{(_withWriterUuid ? ", $7" : "")}";
        var tags = _withWriterUuid ? "$8" : "$7";
        _insertTaggedEvent = $"""
            WITH e(ordering) AS (INSERT INTO {statements.Events} ({statements.EventColumns}) VALUES ({values}) RETURNING {statements.Ordering})
            INSERT INTO {statements.Tags} ({statements.TagColumns})
            SELECT e.ordering, t.tag, $2, $1 FROM e CROSS JOIN unnest({tags}::text[]) AS t(tag)
            """;
        Stopped = Task.Run(() => _queue.RunAsync(InsertAsync, lanes)).ContinueWith(_ => CloseAllAsync(), TaskScheduler.Default).Unwrap();
    }

    /// <summary>Ends when the writer has stopped (<see cref="Stop"/>) and closed its connections.</summary>
    public Task Stopped { get; }

    /// <inheritdoc cref="JournalWriteBatcher.Enqueue"/>
    public Task WriteAsync(JournalRow[] rows) => _queue.Enqueue(rows);

    /// <inheritdoc cref="JournalWriteBatcher.Stop"/>
    public void Stop() => _queue.Stop();

    /// <summary>
    /// The writes' rows in one batch on the lane's connection. A failure the server reports
    /// (<see cref="PostgresException"/>) rolled the batch back, so the writes are tried again alone; any other (the
    /// connection lost, say) may have come after the commit and is final.
    /// </summary>
    private async ValueTask<WriteFailure?> InsertAsync(IReadOnlyList<PendingWrite> writes, int lane)
    {
        try
        {
            var connection = _connections[lane] ??= await OpenAsync(_connectionString, CancellationToken.None).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection);
            AddInserts(batch.BatchCommands, writes);
            await batch.PrepareAsync().ConfigureAwait(false);
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            if (e is not PostgresException || _connections[lane]?.FullState != System.Data.ConnectionState.Open) await CloseAsync(lane).ConfigureAwait(false);
            return new WriteFailure(e, OutcomeUnknown: e is not PostgresException);
        }
    }

    /// <summary>The rows in the queue's order: each run of rows without tags one insert, each row with tags one of its own.</summary>
    private void AddInserts(NpgsqlBatchCommandCollection commands, IReadOnlyList<PendingWrite> writes)
    {
        var untagged = new List<JournalRow>();
        foreach (var write in writes)
            foreach (var row in write.Rows)
            {
                if (row.TagArray is not { Length: > 0 })
                {
                    untagged.Add(row);
                    continue;
                }
                if (untagged.Count > 0)
                {
                    commands.Add(InsertRows(untagged));
                    untagged.Clear();
                }
                commands.Add(InsertTagged(row));
            }
        if (untagged.Count > 0) commands.Add(InsertRows(untagged));
    }

    /// <summary>Rows without tags, one array a column, unnested by the server into one insert.</summary>
    private NpgsqlBatchCommand InsertRows(List<JournalRow> rows)
    {
        var n = rows.Count;
        var ids = new string[n];
        var sequenceNumbers = new long[n];
        var created = new long[n];
        var messages = new byte[n][];
        var manifests = new string?[n];
        var serializers = new int?[n];
        var writers = _withWriterUuid ? new string?[n] : null;
        for (var i = 0; i < n; i++)
        {
            var row = rows[i];
            ids[i] = row.PersistenceId;
            sequenceNumbers[i] = row.SequenceNumber;
            created[i] = row.Timestamp;
            messages[i] = row.Message;
            manifests[i] = row.Manifest;
            serializers[i] = row.Identifier;
            if (writers is not null) writers[i] = row.WriterUuid;
        }
        var command = new NpgsqlBatchCommand(_insertEvents);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = sequenceNumbers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = created, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<byte[][]> { TypedValue = messages, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = manifests, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<int?[]> { TypedValue = serializers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        if (writers is not null) p.Add(new NpgsqlParameter<string?[]> { TypedValue = writers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return command;
    }

    /// <summary>The row, with its tags into the tag table under the row's ordering, as the plugin's tag-table mode writes them.</summary>
    private NpgsqlBatchCommand InsertTagged(JournalRow row)
    {
        var command = new NpgsqlBatchCommand(_insertTaggedEvent);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = row.PersistenceId, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<long> { TypedValue = row.SequenceNumber, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<long> { TypedValue = row.Timestamp, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = row.Message, NpgsqlDbType = NpgsqlDbType.Bytea });
        p.Add(new NpgsqlParameter { Value = (object?)row.Manifest ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter { Value = row.Identifier is { } identifier ? identifier : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        if (_withWriterUuid) p.Add(new NpgsqlParameter { Value = (object?)row.WriterUuid ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = row.TagArray, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
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

    private async ValueTask CloseAsync(int lane)
    {
        if (_connections[lane] is not { } connection) return;
        _connections[lane] = null;
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CloseAllAsync()
    {
        for (var lane = 0; lane < _connections.Length; lane++) await CloseAsync(lane).ConfigureAwait(false);
    }
}
