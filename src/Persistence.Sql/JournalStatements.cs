using Akka.Persistence.Sql.Config;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The statements the node's own journals run on the plugin's native tables (default schema, no event manifest column,
/// tags in the tag table), written once for SQLite and PostgreSQL: they differ in how a parameter is named and how
/// <c>false</c> is written.
/// </summary>
/// <param name="parameter">The parameters' prefix: <c>$</c> for Microsoft.Data.Sqlite, <c>@</c> for Npgsql.</param>
/// <param name="falseValue">The literal the <c>deleted</c> column holds for a live event.</param>
public sealed class JournalStatements(JournalTableConfig table, char parameter, string falseValue)
{
    private readonly EventJournalTableConfig _events = table.EventJournalTable;

    /// <summary>Whether the rows carry the journal's writer UUID (<c>use-writer-uuid-column</c>).</summary>
    public bool WithWriterUuid => _events.UseWriterUuidColumn;

    /// <summary>The journal table's name, quoted.</summary>
    public string Events => Quote(_events.Name);

    /// <summary>The highest sequence number of <c>id</c> above <c>from</c>; deleted events count, as in the plugin's native mode, since their numbers are taken.</summary>
    public string Highest => $"""
        SELECT MAX({C(c => c.SequenceNumber)}) FROM {Events}
        WHERE {C(c => c.PersistenceId)} = {parameter}id AND {C(c => c.SequenceNumber)} > {parameter}from
        """;

    /// <summary>Up to <c>rows</c> live events of <c>id</c> from <c>from</c> to <c>to</c>: sequence number, message, serializer, manifest, writer, time.</summary>
    public string Replay => $"""
        SELECT {C(c => c.SequenceNumber)}, {C(c => c.Message)}, {C(c => c.Identifier)}, {C(c => c.Manifest)}, {(WithWriterUuid ? C(c => c.WriterUuid) : "NULL")}, {C(c => c.Created)}
        FROM {Events}
        WHERE {C(c => c.PersistenceId)} = {parameter}id AND {C(c => c.SequenceNumber)} >= {parameter}from AND {C(c => c.SequenceNumber)} <= {parameter}to AND {C(c => c.Deleted)} = {falseValue}
        ORDER BY {C(c => c.SequenceNumber)}
        LIMIT {parameter}rows
        """;

    /// <summary>Every tag and row of <c>id</c>.</summary>
    public string Purge => $"""
        DELETE FROM {Quote(table.TagTable.Name)} WHERE {Quote(table.TagTable.ColumnNames.PersistenceId)} = {parameter}id;
        DELETE FROM {Events} WHERE {C(c => c.PersistenceId)} = {parameter}id;
        """;

    /// <summary>
    /// One row as the plugin writes it (not deleted; the ordering is the table's own) from parameters <c>id</c>,
    /// <c>sequence</c>, <c>created</c>, <c>message</c>, <c>manifest</c>, <c>serializer</c> and, with the writer's
    /// column, <c>writer</c>.
    /// </summary>
    public string InsertEvent => $"""
        INSERT INTO {Events} ({EventColumns})
        VALUES ({parameter}id, {parameter}sequence, {falseValue}, {parameter}created, {parameter}message, {parameter}manifest, {parameter}serializer{(WithWriterUuid ? $", {parameter}writer" : "")})
        """;

    /// <summary>
    /// The columns an insert fills, quoted, in this order: persistence id, sequence number, deleted, created, message,
    /// manifest, serializer and, with the writer's column, writer.
    /// </summary>
    public string EventColumns =>
        $"{C(c => c.PersistenceId)}, {C(c => c.SequenceNumber)}, {C(c => c.Deleted)}, {C(c => c.Created)}, {C(c => c.Message)}, {C(c => c.Manifest)}, {C(c => c.Identifier)}{(WithWriterUuid ? $", {C(c => c.WriterUuid)}" : "")}";

    /// <summary>The journal table's ordering column, quoted.</summary>
    public string Ordering => C(c => c.Ordering);

    /// <summary><see cref="InsertEvent"/> returning the row's ordering.</summary>
    public string InsertEventReturningOrdering => $"{InsertEvent} RETURNING {Ordering}";

    /// <summary>The tag table's columns, quoted, in the order ordering, tag, sequence number, persistence id.</summary>
    public string TagColumns
    {
        get
        {
            var t = table.TagTable.ColumnNames;
            return $"{Quote(t.OrderingId)}, {Quote(t.Tag)}, {Quote(t.SequenceNumber)}, {Quote(t.PersistenceId)}";
        }
    }

    /// <summary>The tag table's name, quoted.</summary>
    public string Tags => Quote(table.TagTable.Name);

    /// <summary>A tag of the row whose ordering is <c>ordering</c>, as the plugin's tag-table mode writes it.</summary>
    public string InsertTag => $"""
        INSERT INTO {Tags} ({TagColumns})
        VALUES ({parameter}ordering, {parameter}tag, {parameter}sequence, {parameter}id)
        """;

    /// <summary>An SQL identifier: a table or column name from the plugin's configuration.</summary>
    public static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"")}\"";

    private string C(Func<JournalTableColumnNames, string> column) => Quote(column(_events.ColumnNames));
}
