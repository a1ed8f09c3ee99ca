using Npgsql;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Load;

/// <summary>
/// A fresh PostgreSQL database for one engine run of <c>--journal postgres</c>, on the server the given connection
/// string points at, dropped afterwards: each run starts from an empty journal, as each SQLite run has a new data
/// directory.
/// </summary>
public sealed class PostgresBenchDatabase : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _name;

    private PostgresBenchDatabase(string server, string name, string connectionString)
    {
        _server = server;
        _name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The run's database, with the server's credentials.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresBenchDatabase> CreateAsync(string server, string run, CancellationToken cancellationToken)
    {
        var name = $"orchestrator_bench_{run}_{Guid.NewGuid():N}"[..48].Replace('-', '_');
        await ExecuteAsync(server, $"CREATE DATABASE \"{name}\"", cancellationToken);
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new PostgresBenchDatabase(server, name, connectionString);
    }

    /// <summary>The run's settings, loaded for the PostgreSQL journal, on this database.</summary>
    public OrchestratorSettings Apply(OrchestratorSettings settings) => settings with
    {
        Postgres = PostgresJournalSettings.Parse(ConnectionString, (settings.Postgres ?? throw new InvalidOperationException("the settings are not loaded for the postgres journal")).StartupTimeout),
    };

    /// <summary>Rows in the conversations' journal table: each is one journal write.</summary>
    public async Task<long> EventsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // The plugin creates its tables on first use; before any write there is nothing to count.
        command.CommandText = "SELECT CASE WHEN to_regclass('public.journal') IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM journal) END";
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_server, $"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", CancellationToken.None);
    }

    private static async Task ExecuteAsync(string server, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
