using Npgsql;
using NpgsqlTypes;
using Orchestrator.Persistence.Sql;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// <see cref="PostgresReadSessions"/>: the recovery reads' connections, at most <c>read-sessions</c> of them, kept open
/// with their statements prepared, against a real server.
/// </summary>
public sealed class PostgresReadSessionsSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly PostgresStatement Select = new("SELECT value FROM items WHERE id = @id", ("id", NpgsqlDbType.Text));

    [PostgresFact]
    public async Task The_next_read_reuses_the_connection_and_its_prepared_statement_with_its_own_parameters()
    {
        await using var database = await ItemsAsync();
        using var sessions = new PostgresReadSessions(database.ConnectionString, 2);
        var (first, a) = await sessions.ReadAsync(Select, "a", ScalarAsync, CancellationToken.None);
        var (second, b) = await sessions.ReadAsync(Select, "b", ScalarAsync, CancellationToken.None);

        Assert.Equal((1L, 2L), (a, b));
        Assert.Same(first, second);
        Assert.True(first.IsPrepared);
        Assert.Equal(1, sessions.Idle);
        Assert.Equal(1, await database.ConnectionsAsync());
    }

    [PostgresFact]
    public async Task Many_reads_at_once_share_at_most_read_sessions_connections()
    {
        await using var database = await ItemsAsync();
        using var sessions = new PostgresReadSessions(database.ConnectionString, 2);
        var inside = 0;
        var most = 0;
        var connections = new System.Collections.Concurrent.ConcurrentBag<NpgsqlConnection>();
        var reads = Enumerable.Range(0, 20).Select(_ => Task.Run(() => sessions.ReadAsync(Select, "a", async (command, id, token) =>
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            connections.Add(command.Connection!);
            try
            {
                return await ScalarAsync(command, id, token);
            }
            finally
            {
                Interlocked.Decrement(ref inside);
            }
        }, CancellationToken.None))).ToList();
        await Task.WhenAll(reads).WaitAsync(Wait);

        Assert.All(reads, r => Assert.Equal(1L, r.Result.Value));
        Assert.InRange(most, 1, 2);
        Assert.InRange(connections.Distinct().Count(), 1, 2);
        Assert.InRange(await database.ConnectionsAsync(), 1, 2);
    }

    [PostgresFact]
    public async Task A_read_that_finds_every_session_busy_waits_for_one_and_fails_after_the_connection_timeout()
    {
        await using var database = await ItemsAsync();
        var oneSecond = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Timeout = 1 }.ConnectionString;
        using var sessions = new PostgresReadSessions(oneSecond, 1);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = sessions.ReadAsync(Select, "a", async (command, id, token) =>
        {
            holding.SetResult();
            await release.Task;
            return await ScalarAsync(command, id, token);
        }, CancellationToken.None);
        await holding.Task.WaitAsync(Wait);

        var timedOut = await Assert.ThrowsAsync<TimeoutException>(() => sessions.ReadAsync(Select, "b", ScalarAsync, CancellationToken.None).WaitAsync(Wait));
        Assert.Contains("all 1 (read-sessions) were busy", timedOut.Message);

        var waiting = sessions.ReadAsync(Select, "b", ScalarAsync, CancellationToken.None);
        release.SetResult();
        var (first, a) = await held.WaitAsync(Wait);
        var (second, b) = await waiting.WaitAsync(Wait);
        Assert.Equal((1L, 2L), (a, b));
        Assert.Same(first, second);
    }

    [PostgresFact]
    public async Task A_failed_read_closes_its_session_and_the_next_one_opens_another()
    {
        await using var database = await ItemsAsync();
        using var sessions = new PostgresReadSessions(database.ConnectionString, 1);
        NpgsqlConnection? failed = null;
        await Assert.ThrowsAsync<PostgresException>(() => sessions.ReadAsync<int, int>(
            new PostgresStatement("SELECT 1 / @zero", ("zero", NpgsqlDbType.Integer)), 0, async (command, zero, token) =>
            {
                failed = command.Connection;
                PostgresReadSessions.Set(command, 0, zero);
                return (int)(await command.ExecuteScalarAsync(token))!;
            }, CancellationToken.None));
        var (next, a) = await sessions.ReadAsync(Select, "a", ScalarAsync, CancellationToken.None);

        Assert.Equal(1L, a);
        Assert.Equal(System.Data.ConnectionState.Closed, failed!.State);
        Assert.NotSame(failed, next.Connection);
        Assert.Equal(1, sessions.Idle);
    }

    [PostgresFact]
    public async Task A_read_whose_kept_connection_the_server_ended_runs_again_on_a_new_one()
    {
        await using var database = await ItemsAsync();
        using var sessions = new PostgresReadSessions(database.ConnectionString, 1);
        var (first, _) = await sessions.ReadAsync(Select, "a", ScalarAsync, CancellationToken.None);
        await database.EndConnectionsAsync();

        var (next, b) = await sessions.ReadAsync(Select, "b", ScalarAsync, CancellationToken.None).WaitAsync(Wait);

        Assert.Equal(2L, b);
        Assert.NotSame(first.Connection, next.Connection);
        Assert.Equal(1, sessions.Idle);
        Assert.Equal(1, await database.ConnectionsAsync());
    }

    private static async Task<(NpgsqlCommand Command, long Value)> ScalarAsync(NpgsqlCommand command, string id, CancellationToken token)
    {
        PostgresReadSessions.Set(command, 0, id);
        return (command, (long)(await command.ExecuteScalarAsync(token))!);
    }

    private static void InterlockedMax(ref int location, int value)
    {
        var seen = Volatile.Read(ref location);
        while (value > seen && Interlocked.CompareExchange(ref location, value, seen) is var was && was != seen) seen = was;
    }

    private static async Task<ItemsDatabase> ItemsAsync()
    {
        var name = $"orchestrator_test_reads_{Guid.NewGuid():N}"[..40];
        var database = new ItemsDatabase(name, await TestPostgres.CreateDatabaseAsync(name));
        await using var connection = new NpgsqlConnection(database.Unpooled);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE TABLE items (id text PRIMARY KEY, value bigint NOT NULL); INSERT INTO items VALUES ('a', 1), ('b', 2);", connection);
        await command.ExecuteNonQueryAsync();
        return database;
    }

    /// <summary>A database of the test server with a table of two items, dropped at the end.</summary>
    private sealed record ItemsDatabase(string Name, string ConnectionString) : IAsyncDisposable
    {
        /// <summary>For the test's own statements: a connection that leaves no backend behind.</summary>
        public string Unpooled => new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;

        /// <summary>Backends connected to the database, apart from the one asking.</summary>
        public async Task<long> ConnectionsAsync()
        {
            await using var connection = new NpgsqlConnection(Unpooled);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        /// <summary>Ends every other backend of the database, as a server restart does, and waits until they are gone.</summary>
        public async Task EndConnectionsAsync()
        {
            await using (var connection = new NpgsqlConnection(Unpooled))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
                Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
            }
            await Poll.UntilAsync(async () => await ConnectionsAsync() == 0, Wait, () => "the ended backend is still connected");
        }

        public ValueTask DisposeAsync() => new(TestPostgres.DropDatabaseAsync(Name, ConnectionString));
    }
}
