using Akka.Persistence.Sql.Config;
using static Orchestrator.Persistence.Sqlite.SqliteReads;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationFactory = Akka.Configuration.ConfigurationFactory;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The plugin's tables, created by plain statements where the plugin's <c>auto-initialize</c> builds them through
/// linq2db: that costs a process ~1,450 more methods to compile, a quarter of a one-shot <c>run</c>'s CPU
/// (BENCHMARKS.md). The tables, columns and indexes are those the plugin creates, so either one may create a journal
/// the other then uses.
/// </summary>
internal static class SqliteSchema
{
    private const string AutoInitialize = "auto-initialize";

    private static readonly AkkaConfig PluginDoesNotInitialize = ConfigurationFactory.ParseString($"{AutoInitialize} = off");

    /// <summary>The plugin's configuration with its own initialisation off, and whether the tables are to be created here.</summary>
    public static (AkkaConfig Config, bool Create) TakeOverInitialisation(AkkaConfig pluginConfig) =>
        (PluginDoesNotInitialize.WithFallback(pluginConfig), pluginConfig.GetBoolean(AutoInitialize, false));

    public static string Journal(JournalTableConfig table)
    {
        var events = table.EventJournalTable;
        var e = events.ColumnNames;
        var tags = table.TagTable;
        var t = tags.ColumnNames;
        var writer = events.UseWriterUuidColumn ? $",\n    {Quote(e.WriterUuid)} NVarChar(128) NULL" : "";
        return $"""
            CREATE TABLE IF NOT EXISTS {Quote(events.Name)} (
                {Quote(e.Ordering)} INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                {Quote(e.Created)} INTEGER NOT NULL,
                {Quote(e.Deleted)} Bit NOT NULL,
                {Quote(e.PersistenceId)} NVarChar(255) NOT NULL,
                {Quote(e.SequenceNumber)} INTEGER NOT NULL,
                {Quote(e.Message)} VarBinary NOT NULL,
                {Quote(e.Manifest)} NVarChar(500) NULL,
                {Quote(e.Identifier)} INTEGER NULL{writer}
            );
            CREATE UNIQUE INDEX IF NOT EXISTS {Quote($"{events.Name}_uq")} ON {Quote(events.Name)} ({Quote(e.PersistenceId)}, {Quote(e.SequenceNumber)});
            {Index(events.Name, e.Created)}
            {Index(events.Name, e.SequenceNumber)}
            CREATE TABLE IF NOT EXISTS {Quote(tags.Name)} (
                {Quote(t.OrderingId)} INTEGER NOT NULL,
                {Quote(t.Tag)} NVarChar(64) NOT NULL,
                {Quote(t.SequenceNumber)} INTEGER NOT NULL,
                {Quote(t.PersistenceId)} NVarChar(255) NOT NULL,
                CONSTRAINT {Quote($"PK_{tags.Name}")} PRIMARY KEY ({Quote(t.OrderingId)}, {Quote(t.Tag)})
            );
            {Index(tags.Name, t.PersistenceId, t.SequenceNumber)}
            {Index(tags.Name, t.Tag)}
            """;
    }

    public static string Snapshot(SnapshotTableConfig table)
    {
        var c = table.ColumnNames;
        return $"""
            CREATE TABLE IF NOT EXISTS {Quote(table.Name)} (
                {Quote(c.PersistenceId)} NVarChar(255) NOT NULL,
                {Quote(c.SequenceNumber)} INTEGER NOT NULL,
                {Quote(c.Created)} INTEGER NOT NULL,
                {Quote(c.Snapshot)} VarBinary NULL,
                {Quote(c.Manifest)} NVarChar(500) NULL,
                {Quote(c.SerializerId)} INTEGER NULL,
                CONSTRAINT {Quote($"PK_{table.Name}")} PRIMARY KEY ({Quote(c.PersistenceId)}, {Quote(c.SequenceNumber)})
            );
            {Index(table.Name, c.SequenceNumber)}
            {Index(table.Name, c.Created)}
            """;
    }

    /// <summary>Runs <paramref name="statements"/> in one transaction, so that a journal is either complete or absent.</summary>
    public static void Create(string connectionString, string statements)
    {
        using var connection = Open(connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = Command(connection, statements);
        command.Transaction = transaction;
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>An index named as the plugin names it: the table, then the columns.</summary>
    private static string Index(string table, params string[] columns) =>
        $"CREATE INDEX IF NOT EXISTS {Quote($"{table}_{string.Join("_", columns)}_idx")} ON {Quote(table)} ({string.Join(", ", columns.Select(Quote))});";
}
