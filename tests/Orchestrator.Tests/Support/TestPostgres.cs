using Npgsql;
using Xunit.Sdk;

namespace Orchestrator.Tests.Support;

/// <summary>
/// The PostgreSQL server the journal tests use: <c>ORCHESTRATOR_TEST_POSTGRES</c>, a connection string for a role
/// that may create databases (<c>.ci/run</c> sets one up on 127.0.0.1). Each test gets a database of its own.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "ORCHESTRATOR_TEST_POSTGRES";

    private static readonly string? Server = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    // CI must never pass by skipping: there the tests run, and fail when the server is missing.
    private static readonly bool InCi = Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>Why the PostgreSQL variants are skipped on this machine, or null when they run.</summary>
    public static string? SkipReason => Server is null && !InCi
        ? $"PostgreSQL journal tests need {Variable} (an Npgsql connection string for a role with CREATEDB); .ci/run sets it up"
        : null;

    /// <summary>Creates an empty database owned by the test role and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = await OpenServerAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database, closing the connections a node's pool may still hold to it.</summary>
    public static async Task DropDatabaseAsync(string name, string connectionString)
    {
        // Only this database's pool: other tests' pools stay warm.
        await using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        await using var connection = await OpenServerAsync();
        // Ends the test role's own connections held elsewhere. Not DROP ... WITH (FORCE): that also has to end an
        // autovacuum worker busy in the database, which a role without superuser may not signal, so it failed
        // whenever a test had written enough to wake autovacuum. A plain DROP stops the worker itself and waits
        // (up to 5 s) for the ended connections to go.
        await using (var terminate = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()",
            connection)
        { Parameters = { new() { Value = name } } })
            await terminate.ExecuteNonQueryAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\"", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public static async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = await OpenServerAsync();
        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", connection)
        {
            Parameters = { new() { Value = name } },
        };
        return (bool)(await exists.ExecuteScalarAsync())!;
    }

    private static string ServerConnectionString() => Server
        ?? throw new XunitException($"CI=true but {Variable} is not set: the PostgreSQL journal tests must run in CI (.ci/run starts the server).");

    private static async Task<NpgsqlConnection> OpenServerAsync()
    {
        // Pooling off: a pooled idle connection to the server database is of no use between tests.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Pooling = false, Timeout = 10 }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
