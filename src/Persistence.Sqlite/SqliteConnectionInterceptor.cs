using System.Data.Common;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// What each connection of the node's SQL plugins does on the embedded journal (events, snapshots, sharding: one
/// SQLite database), given to Akka.Persistence.Sql as linq2db options.
/// </summary>
public sealed class SqliteConnectionInterceptor(SqliteSynchronous synchronous) : IConnectionInterceptor
{
    /// <summary>
    /// The linq2db options of every SQL plugin of a node on the SQLite journal. The provider's name stays "SQLite.MS":
    /// the plugin reads it to choose its dialect.
    /// </summary>
    public static DataOptions DataOptions(string connectionString, SqliteSynchronous synchronous) =>
        new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseDataProvider(JournalSqliteDataProvider.Instance)
            .UseInterceptor(new SqliteConnectionInterceptor(synchronous));

    /// <summary>
    /// Plugin ids of the node's SQL plugins on the embedded journal (hocon/persistence-sqlite.conf): the conversations'
    /// journal and snapshots, and sharding's.
    /// </summary>
    private static readonly string[] PluginIds =
    [
        "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql",
        "akka.persistence.journal.sharding", "akka.persistence.snapshot-store.sharding",
    ];

    /// <summary>
    /// <paramref name="options"/> for each of the node's SQL plugins, by plugin id: the one way in that the plugin and
    /// <see cref="Orchestrator.Persistence.Sql.DirectReplaySqlJournal"/> both read.
    /// </summary>
    public static MultiDataOptionsSetup Setup(DataOptions options)
    {
        var setup = new MultiDataOptionsSetup();
        foreach (var pluginId in PluginIds) setup.AddDataOptions(pluginId, options);
        return setup;
    }

    public void ConnectionOpening(ConnectionEventData eventData, DbConnection connection)
    {
    }

    /// <summary>
    /// Microsoft.Data.Sqlite does its work synchronously, in its async methods too. The plugin's writer (sharding's journal
    /// here; the conversations' has <see cref="Orchestrator.Persistence.Sqlite.SqliteEventWriter"/>) is a stream
    /// stage that gathers the writes queued while a commit is in flight into the next commit; run synchronously, the
    /// commit holds the stage itself, nothing gathers, and each persist gets a transaction and an fsync of its own.
    /// Yielding here, before the connection opens, lets the
    /// stage go on while the commit runs on the thread pool.
    /// </summary>
    public async Task ConnectionOpeningAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) =>
        await Task.Yield();

    /// <summary>The interceptor among <paramref name="options"/>' own, if they are the node's.</summary>
    public static SqliteConnectionInterceptor? In(DataOptions? options) =>
        options?.DataContextOptions.Interceptors?.OfType<SqliteConnectionInterceptor>().FirstOrDefault();

    public void ConnectionOpened(ConnectionEventData eventData, DbConnection connection) => Configure((SqliteConnection)connection);

    /// <summary>
    /// What every journal connection does as it opens, the journal's own writer's too. Microsoft.Data.Sqlite takes no
    /// pragma in the connection string, and <c>synchronous</c> and <c>secure_delete</c> are per connection.
    /// </summary>
    internal void Configure(SqliteConnection connection)
    {
        WaitForLocksInSqlite(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
    {
        WaitForLocksInSqlite((SqliteConnection)connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string Pragmas => synchronous == SqliteSynchronous.Full ? ZeroDeletedContent : ZeroDeletedContent + synchronous.Pragma();

    /// <summary>
    /// Content a connection deletes or moves is overwritten with zeros, in the pages that held it and in pages it frees,
    /// instead of staying in the file until the space is reused: a deleted conversation's text leaves the database file
    /// when its delete commits, and the WAL once that is truncated (<see cref="Orchestrator.Persistence.Sqlite.SqliteWal"/>).
    /// Every writing connection sets it, not only the deleting one: with it on the purge's connection alone, the text
    /// of events and snapshots written by the others was still in the file after the purge (JournalPurgeSpec).
    /// </summary>
    internal const string ZeroDeletedContent = "PRAGMA secure_delete = ON;";

    /// <summary>
    /// The journal, the snapshot store and sharding's journal each write through connections of their own, so one
    /// sometimes finds another's write lock held. Microsoft.Data.Sqlite sets no busy timeout and, on "busy", sleeps
    /// 150 ms before it tries again, so a write that meets a lock held for a millisecond waits 150. SQLite's own busy handler retries after 1, 2, 5, 10 … ms,
    /// up to the same timeout as the connection's commands.
    /// </summary>
    internal static void WaitForLocksInSqlite(SqliteConnection connection) =>
        raw.sqlite3_busy_timeout(connection.Handle, connection.DefaultTimeout * 1000);
}
