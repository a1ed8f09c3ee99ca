using Microsoft.Data.Sqlite;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The statements a recovery runs on the embedded journal, over Microsoft.Data.Sqlite without linq2db: the highest
/// sequence number, the replay and the latest snapshot are one short query each, read here without linq2db's data
/// connection, transaction and expression-tree lookup per query. A single
/// statement reads one consistent state of the database without a transaction of its own.
/// </summary>
internal static class SqliteReads
{
    /// <summary>A pooled connection, waiting for locks as the plugins' connections do.</summary>
    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            SqliteConnectionInterceptor.WaitForLocksInSqlite(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The plugin's <paramref name="connectionString"/> for <paramref name="reader"/>, which reads the plugin's tables
    /// under their default schema: the node never sets another.
    /// </summary>
    public static string CheckedConnectionString(string? connectionString, string? schemaName, string reader)
    {
        if (schemaName is not null)
            throw new ConfigurationException($"{reader} reads the plugin's tables in the default schema, not '{schemaName}'");
        return string.IsNullOrEmpty(connectionString)
            ? throw new ConfigurationException($"{reader} needs the plugin's connection-string")
            : connectionString;
    }

    /// <summary>A statement on <paramref name="connection"/> with its parameters' values.</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    /// <summary>An SQL identifier: a table or column name from the plugin's configuration.</summary>
    public static string Quote(string identifier) => Orchestrator.Persistence.Sql.JournalStatements.Quote(identifier);
}
