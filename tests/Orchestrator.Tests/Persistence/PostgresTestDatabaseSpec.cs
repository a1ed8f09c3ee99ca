using Npgsql;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// Every PostgreSQL test drops its own database at the end, while a stopped node's connections may still be in it.
/// A drop that fails fails a test that passed, so how it ends those connections is checked here.
/// </summary>
public sealed class PostgresTestDatabaseSpec
{
    [PostgresFact]
    public async Task Dropping_a_test_database_ends_a_connection_that_is_busy_in_it()
    {
        var name = $"drop_{Guid.NewGuid():N}";
        var connectionString = await TestPostgres.CreateDatabaseAsync(name);
        // Unpooled, so clearing the pool cannot close it: only ending its backend can.
        await using var busy = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await busy.OpenAsync();
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(20)", busy);
        var sleeping = sleep.ExecuteNonQueryAsync();

        await TestPostgres.DropDatabaseAsync(name, connectionString);

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => sleeping);
        Assert.False(await TestPostgres.DatabaseExistsAsync(name));
    }
}
