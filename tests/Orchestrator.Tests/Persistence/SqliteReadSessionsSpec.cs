using Microsoft.Data.Sqlite;
using Orchestrator.Persistence.Sqlite;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// <see cref="SqliteReadSessions"/>: the recovery reads' connections, kept open with their statements prepared, on a
/// real SQLite file.
/// </summary>
public sealed class SqliteReadSessionsSpec : IDisposable
{
    private const string Select = "SELECT value FROM items WHERE id = $id";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("read-sessions").FullName;
    private readonly string _connectionString;

    public SqliteReadSessionsSpec()
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "reads.db") }.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE items (id TEXT PRIMARY KEY, value INTEGER NOT NULL); INSERT INTO items VALUES ('a', 1), ('b', 2);";
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void The_next_read_reuses_the_connection_and_its_prepared_statement_with_its_own_parameters()
    {
        using var sessions = new SqliteReadSessions(_connectionString);
        var (first, a) = sessions.Read(Select, [("$id", "a")], 0, static (command, _) => (command, (long)command.ExecuteScalar()!));
        var (second, b) = sessions.Read(Select, [("$id", "b")], 0, static (command, _) => (command, (long)command.ExecuteScalar()!));

        Assert.Equal((1L, 2L), (a, b));
        Assert.Same(first, second);
        Assert.Equal(1, sessions.Idle);
    }

    [Fact]
    public void A_failed_read_closes_its_session_and_the_next_one_opens_another()
    {
        using var sessions = new SqliteReadSessions(_connectionString);
        var failed = new List<SqliteConnection>();
        Assert.Throws<InvalidOperationException>(() => sessions.Read<int, int>(Select, [("$id", "a")], 0, (command, _) =>
        {
            failed.Add(command.Connection!);
            throw new InvalidOperationException("read failed");
        }));
        var next = sessions.Read(Select, [("$id", "a")], 0, static (command, _) => command.Connection!);

        Assert.Equal(System.Data.ConnectionState.Closed, Assert.Single(failed).State);
        Assert.NotSame(failed[0], next);
        Assert.Equal(1, sessions.Idle);
    }

    [Fact]
    public void Past_the_bound_a_session_given_back_is_closed()
    {
        using var sessions = new SqliteReadSessions(_connectionString);
        var reads = SqliteReadSessions.MaxIdle + 3;
        using var together = new Barrier(reads);
        var connections = new SqliteConnection?[reads];
        // Each read, on a thread of its own, holds its session until all have one: as many sessions open as reads.
        var threads = Enumerable.Range(0, reads).Select(i => new Thread(() => connections[i] = sessions.Read(
            Select, [("$id", "a")], together, static (command, barrier) => barrier.SignalAndWait(Wait) ? command.Connection : null))).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(Wait), "a read did not end"));
        Assert.All(connections, c => Assert.NotNull(c));

        Assert.Equal(reads, connections.Distinct().Count());
        Assert.Equal(SqliteReadSessions.MaxIdle, sessions.Idle);
        Assert.Equal(3, connections.Count(c => c!.State == System.Data.ConnectionState.Closed));
    }

    [Fact]
    public void Disposing_closes_the_idle_sessions_and_refuses_reads()
    {
        var sessions = new SqliteReadSessions(_connectionString);
        var connection = sessions.Read(Select, [("$id", "a")], 0, static (command, _) => command.Connection!);
        sessions.Dispose();

        Assert.Equal(System.Data.ConnectionState.Closed, connection.State);
        Assert.Throws<ObjectDisposedException>(() => sessions.Read(Select, [("$id", "a")], 0, static (command, _) => command.ExecuteScalar()));
    }
}
