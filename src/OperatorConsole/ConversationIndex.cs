using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Orchestrator.Messages.Events;

namespace Orchestrator.OperatorConsole;

/// <summary>
/// The console's query side over the journal's table: conversations in id order, paged by key (the last id of a page
/// is the cursor of the next), so that a page costs the same with 100 or 100,000 conversations: the query walks the
/// journal's unique index on (persistence_id, sequence_number) from the cursor and stops after one page of ids. It
/// reads the database directly (SQLite in WAL mode or PostgreSQL), beside the node's writes, and never wakes a
/// conversation. A deleted conversation has no rows, so it is not listed.
/// </summary>
public sealed class ConversationIndex(string connectionString, string providerName, Func<byte[], int, string, object> deserialize, string table = "journal")
{
    /// <summary>The persistence ids of conversations: <c>conversation-{id}</c> (ConversationActor.PersistenceIdFor).</summary>
    public const string PersistenceIdPrefix = "conversation-";

    public const int MaxPageSize = 200;

    /// <summary>The newest events read for one conversation's timeline; older ones are left out and counted.</summary>
    public const int MaxTimelineEvents = 5000;

    private readonly string _table = $"\"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>
    /// The conversations whose id starts with <paramref name="idPrefix"/>, after <paramref name="after"/> (exclusive;
    /// null: from the first), at most <paramref name="limit"/>, each summarised from its events.
    /// </summary>
    public async Task<ConversationPage> PageAsync(string idPrefix, string? after, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var low = PersistenceIdPrefix + idPrefix;
        // Ids are made of letters, digits and . _ : - (all below '{'), so every id with the prefix sorts below this bound.
        var high = low + "{";
        var cursor = after is null ? null : PersistenceIdPrefix + after;
        // One lower bound, so that the index search starts at the cursor rather than filtering from the prefix on.
        var (from, lower) = cursor is not null && string.CompareOrdinal(cursor, low) >= 0 ? (cursor, ">") : (low, ">=");
        await using var connection = await OpenAsync(cancellationToken);
        var ids = new List<string>(limit + 1);
        await using (var command = Command(connection,
                         $"SELECT persistence_id FROM {_table} WHERE persistence_id {lower} @from AND persistence_id < @high "
                         + "AND substr(persistence_id, 1, @length) = @low GROUP BY persistence_id ORDER BY persistence_id LIMIT @limit",
                         ("from", from), ("low", low), ("high", high), ("length", low.Length), ("limit", limit + 1)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        }
        var more = ids.Count > limit;
        if (more) ids.RemoveAt(ids.Count - 1);
        var rows = await EventsAsync(connection, ids, cancellationToken);
        var items = ids.Select(pid => ConversationSummary.Of(pid[PersistenceIdPrefix.Length..], rows.GetValueOrDefault(pid) ?? [])).ToList();
        return new ConversationPage(items, more ? items[^1].Id : null);
    }

    /// <summary>A conversation's events in order (the newest <see cref="MaxTimelineEvents"/>); empty when it does not exist.</summary>
    public async Task<(IReadOnlyList<JournalRow> Rows, long Omitted)> EventsAsync(string conversationId, CancellationToken cancellationToken)
    {
        var pid = PersistenceIdPrefix + conversationId;
        await using var connection = await OpenAsync(cancellationToken);
        long highest;
        await using (var count = Command(connection, $"SELECT COALESCE(MAX(sequence_number), 0), COUNT(*) FROM {_table} WHERE persistence_id = @pid", ("pid", pid)))
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            highest = reader.GetInt64(0);
            if (reader.GetInt64(1) == 0) return ([], 0);
        }
        var from = Math.Max(0, highest - MaxTimelineEvents);
        var rows = new List<JournalRow>();
        await using (var command = Command(connection,
                         $"SELECT persistence_id, sequence_number, created, identifier, manifest, message FROM {_table} "
                         + "WHERE persistence_id = @pid AND sequence_number > @from ORDER BY sequence_number", ("pid", pid), ("from", from)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                if (Row(reader) is { } row) rows.Add(row);
        }
        return (rows, from);
    }

    private async Task<Dictionary<string, List<JournalRow>>> EventsAsync(DbConnection connection, List<string> ids, CancellationToken cancellationToken)
    {
        var byId = new Dictionary<string, List<JournalRow>>(StringComparer.Ordinal);
        if (ids.Count == 0) return byId;
        var names = ids.Select((_, i) => $"@p{i}").ToList();
        await using var command = Command(connection,
            $"SELECT persistence_id, sequence_number, created, identifier, manifest, message FROM {_table} "
            + $"WHERE persistence_id IN ({string.Join(", ", names)}) ORDER BY persistence_id, sequence_number",
            ids.Select((id, i) => ($"p{i}", (object)id)).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (Row(reader) is not { } row) continue;
            var pid = reader.GetString(0);
            if (!byId.TryGetValue(pid, out var list)) byId[pid] = list = [];
            list.Add(row);
        }
        return byId;
    }

    private JournalRow? Row(DbDataReader reader)
    {
        var manifest = reader.IsDBNull(4) ? "" : reader.GetString(4);
        var identifier = reader.IsDBNull(3) ? 0 : reader.GetInt32(3);
        var payload = (byte[])reader.GetValue(5);
        // The SQL journal writes DateTime ticks (UTC).
        var written = new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero);
        return deserialize(payload, identifier, manifest) is IPersistedEvent e ? new JournalRow(reader.GetInt64(1), written, e) : null;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = providerName.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase)
            ? new SqliteConnection(connectionString)
            : providerName.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase)
                ? new NpgsqlConnection(connectionString)
                : throw new NotSupportedException($"The console reads SQLite and PostgreSQL journals, not '{providerName}'.");
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}

/// <summary>One page of the list; <see cref="Next"/> is the cursor of the following page, null on the last.</summary>
public sealed record ConversationPage(IReadOnlyList<ConversationSummary> Items, string? Next);
