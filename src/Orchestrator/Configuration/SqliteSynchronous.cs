using System.Data.Common;
using LinqToDB;

namespace Orchestrator.Host.Configuration;

/// <summary>
/// SQLite's <c>synchronous</c> setting for the embedded journal (<c>orchestrator.sqlite-synchronous</c>). In WAL mode,
/// <see cref="Full"/> (the default) syncs the log at every commit: a committed event survives a power loss.
/// <see cref="Normal"/> syncs only at checkpoints: a committed event survives the process being killed (the log is
/// in the operating system's cache), but a power loss or kernel crash may lose the last commits, never the
/// database's consistency. Each commit then costs no fsync, which is what bounds the journal's throughput.
/// </summary>
public enum SqliteSynchronous
{
    Full,
    Normal,
}

public static class SqliteSynchronousSettings
{
    public static SqliteSynchronous Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "full" => SqliteSynchronous.Full,
        "normal" => SqliteSynchronous.Normal,
        _ => throw new ConfigurationException($"orchestrator.sqlite-synchronous must be \"full\" or \"normal\", not \"{value}\"."),
    };

    /// <summary>The statement every journal connection runs when it opens: the setting is per connection.</summary>
    public static string Pragma(this SqliteSynchronous synchronous) => $"PRAGMA synchronous = {synchronous.ToString().ToUpperInvariant()};";

    /// <summary>
    /// The linq2db options of every SQL plugin of the node (events, snapshots, sharding: one database): Microsoft.Data.Sqlite
    /// takes no pragma in the connection string, so each connection runs <see cref="Pragma"/> as it opens.
    /// </summary>
    public static DataOptions DataOptions(this SqliteSynchronous synchronous, string connectionString)
    {
        var pragma = synchronous.Pragma();
        return new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseAfterConnectionOpened(connection => Run(connection, pragma), (connection, cancellationToken) => RunAsync(connection, pragma, cancellationToken));
    }

    private static void Run(DbConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragma;
        command.ExecuteNonQuery();
    }

    private static async Task RunAsync(DbConnection connection, string pragma, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = pragma;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
