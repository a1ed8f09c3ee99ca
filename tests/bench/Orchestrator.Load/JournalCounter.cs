using Microsoft.Data.Sqlite;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Load;

/// <summary>Counts the events in a node's SQLite journal: each is one journal write.</summary>
public static class JournalCounter
{
    public static long Events(string dataDirectory)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, SqliteJournalStore.FileName),
            Mode = SqliteOpenMode.ReadOnly,
        }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        // The plugin creates its tables on first use; before any write there is nothing to count.
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal'";
        if ((long)command.ExecuteScalar()! == 0) return 0;
        command.CommandText = "SELECT COUNT(*) FROM journal";
        return (long)command.ExecuteScalar()!;
    }
}
