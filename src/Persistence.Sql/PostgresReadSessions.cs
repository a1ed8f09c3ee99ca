using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Npgsql;
using NpgsqlTypes;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// At most <see cref="Max"/> connections a PostgreSQL plugin keeps open for its recovery reads, each with its statements
/// prepared once. Every recovery reads the highest sequence number and the latest snapshot: on pooled connections, 1,000
/// recoveries at once grew Npgsql's pool to ~50 backends (each a fork and an authentication), and every read was parsed
/// and planned again after a reset of its connection (<c>DISCARD ALL</c>, a transaction of its own) — most of the
/// server's CPU in a run (BENCHMARKS.md). A read takes an idle session (or opens one while fewer than <see cref="Max"/>
/// are open), runs its statement and gives the session back; when all are busy it waits, for at most the connection
/// string's <c>Timeout</c> (what a pooled open waits for a connection), and then fails with a <see cref="TimeoutException"/>.
/// A read whose kept connection the server closed meanwhile runs once more on a new one.
/// </summary>
internal sealed class PostgresReadSessions : IDisposable
{
    public const string OpenMetric = "orchestrator.journal.postgres.read_sessions";
    public const string WaitingMetric = "orchestrator.journal.postgres.read_sessions.waiting";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly UpDownCounter<int> OpenSessions =
        Meter.CreateUpDownCounter<int>(OpenMetric, "{connection}", "Connections the PostgreSQL journal and snapshot store keep for recovery reads (read-sessions each).");
    private static readonly UpDownCounter<int> WaitingReads =
        Meter.CreateUpDownCounter<int>(WaitingMetric, "{read}", "Recovery reads waiting for one of the PostgreSQL journal's or snapshot store's read sessions.");

    private readonly string _connectionString;
    private readonly SemaphoreSlim _free;
    private readonly ConcurrentBag<Session> _idle = [];
    private volatile bool _disposed;

    /// <param name="connectionString">The plugin's: the sessions are connections of its pool, held open.</param>
    /// <param name="max">Sessions open at most: reads beyond wait.</param>
    public PostgresReadSessions(string connectionString, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        _connectionString = connectionString;
        Max = max;
        _free = new SemaphoreSlim(max, max);
        Wait = TimeSpan.FromSeconds(new NpgsqlConnectionStringBuilder(connectionString).Timeout);
    }

    /// <summary>Sessions open at most.</summary>
    public int Max { get; }

    /// <summary>How long a read waits for a session when all are busy.</summary>
    public TimeSpan Wait { get; }

    /// <summary>Sessions open and idle, waiting for the next read.</summary>
    public int Idle => _idle.Count;

    /// <summary>
    /// Runs <paramref name="read"/> on a session's prepared command for <paramref name="statement"/>; the callback sets
    /// the parameters' values (<see cref="Set{T}"/>) and executes it.
    /// </summary>
    public async Task<T> ReadAsync<TState, T>(
        PostgresStatement statement, TState state, Func<NpgsqlCommand, TState, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await TakeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_idle.TryTake(out var kept))
            {
                try
                {
                    return await RunAsync(kept, statement, state, read, cancellationToken).ConfigureAwait(false);
                }
                catch (NpgsqlException) when (kept.Broken && !cancellationToken.IsCancellationRequested)
                {
                    // The server closed the kept connection while it was idle (a restart, an administrator, an idle
                    // timeout): the read has handed nothing on yet, so it runs once more on a new connection.
                }
            }
            var session = new Session(await PostgresEventWriter.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false));
            return await RunAsync(session, statement, state, read, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _free.Release();
        }
    }

    private async Task<T> RunAsync<TState, T>(
        Session session, PostgresStatement statement, TState state, Func<NpgsqlCommand, TState, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            var result = await read(await session.CommandAsync(statement, cancellationToken).ConfigureAwait(false), state, cancellationToken).ConfigureAwait(false);
            GiveBack(session);
            return result;
        }
        catch
        {
            // Its connection may be broken or left mid-statement: not given back.
            session.Dispose();
            throw;
        }
    }

    /// <summary>Sets parameter <paramref name="index"/> of a command of <see cref="ReadAsync{TState, T}"/>.</summary>
    public static void Set<T>(NpgsqlCommand command, int index, T value) => ((NpgsqlParameter<T>)command.Parameters[index]).TypedValue = value;

    public void Dispose()
    {
        _disposed = true;
        CloseIdle();
    }

    private async ValueTask TakeAsync(CancellationToken cancellationToken)
    {
        if (_free.Wait(0, CancellationToken.None)) return;
        WaitingReads.Add(1);
        try
        {
            if (!await _free.WaitAsync(Wait, cancellationToken).ConfigureAwait(false))
                throw new TimeoutException($"no PostgreSQL read session free within {Wait.TotalSeconds:0.#} s (the connection string's Timeout): all {Max} (read-sessions) were busy");
        }
        finally
        {
            WaitingReads.Add(-1);
        }
    }

    private void GiveBack(Session session)
    {
        _idle.Add(session);
        // Disposed meanwhile: what it closed may not have included this one.
        if (_disposed) CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var session)) session.Dispose();
    }

    /// <summary>One connection and its prepared commands, one a statement: the few a plugin's recoveries run.</summary>
    private sealed class Session : IDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly Dictionary<PostgresStatement, NpgsqlCommand> _commands = new(ReferenceEqualityComparer.Instance);

        public Session(NpgsqlConnection connection)
        {
            _connection = connection;
            OpenSessions.Add(1);
        }

        /// <summary>Its connection is closed or broken: the server ended it.</summary>
        public bool Broken => _connection.FullState is System.Data.ConnectionState.Closed || _connection.FullState.HasFlag(System.Data.ConnectionState.Broken);

        public async ValueTask<NpgsqlCommand> CommandAsync(PostgresStatement statement, CancellationToken cancellationToken)
        {
            if (_commands.TryGetValue(statement, out var command)) return command;
            command = statement.Command(_connection);
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            _commands.Add(statement, command);
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values) command.Dispose();
            _connection.Dispose();
            OpenSessions.Add(-1);
        }
    }
}

/// <summary>A recovery read's SQL and its parameters (names as the SQL writes them, types), in order: prepared once on each read session.</summary>
internal sealed class PostgresStatement(string sql, params (string Name, NpgsqlDbType Type)[] parameters)
{
    /// <summary>A command for the statement on <paramref name="connection"/>, its parameters typed, without values yet.</summary>
    public NpgsqlCommand Command(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, type) in parameters) command.Parameters.Add(Parameter(name, type));
        return command;
    }

    private static NpgsqlParameter Parameter(string name, NpgsqlDbType type) => type switch
    {
        NpgsqlDbType.Text => new NpgsqlParameter<string>(name, type),
        NpgsqlDbType.Bigint => new NpgsqlParameter<long>(name, type),
        NpgsqlDbType.Integer => new NpgsqlParameter<int>(name, type),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "a recovery read's parameters are text, bigint or integer"),
    };
}
