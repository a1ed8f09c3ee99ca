using System.Data.Common;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;
using static Orchestrator.Persistence.Sql.JournalStatements;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The latest snapshot of a persistence id as the node's snapshot stores read it for a recovery, on SQLite and
/// PostgreSQL alike: one statement on the plugin's snapshot table (default schema) and its row read as the plugin's
/// serializer reads it.
/// </summary>
public static class LatestSnapshot
{
    /// <summary>Sequence number, time, snapshot, serializer and manifest of the latest snapshot of parameter <c>id</c>.</summary>
    /// <param name="parameter">The parameters' prefix: <c>$</c> for Microsoft.Data.Sqlite, <c>@</c> for Npgsql.</param>
    public static string Statement(SnapshotTableConfig table, char parameter)
    {
        var c = table.ColumnNames;
        return $"""
            SELECT {Quote(c.SequenceNumber)}, {Quote(c.Created)}, {Quote(c.Snapshot)}, {Quote(c.SerializerId)}, {Quote(c.Manifest)}
            FROM {Quote(table.Name)}
            WHERE {Quote(c.PersistenceId)} = {parameter}id
            ORDER BY {Quote(c.SequenceNumber)} DESC
            LIMIT 1
            """;
    }

    /// <summary>The snapshot of the row <paramref name="reader"/> is on, a row of <see cref="Statement"/>.</summary>
    public static SelectedSnapshot FromRow(DbDataReader reader, string persistenceId, Akka.Serialization.Serialization serialization)
    {
        var metadata = new SnapshotMetadata(persistenceId, reader.GetInt64(0), new DateTime(reader.GetInt64(1)));
        if (reader.IsDBNull(3))
            throw new InvalidOperationException(
                $"snapshot {metadata.SequenceNr} of {persistenceId} has no serializer id: written by an older snapshot plugin, which this store does not read");
        var snapshot = serialization.Deserialize(reader.GetFieldValue<byte[]>(2), reader.GetInt32(3), reader.IsDBNull(4) ? string.Empty : reader.GetString(4));
        return new SelectedSnapshot(metadata, snapshot);
    }
}
