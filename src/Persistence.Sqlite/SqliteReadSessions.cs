using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// Open connections for a plugin's recovery reads, each with its statements prepared once. Microsoft.Data.Sqlite
/// prepares a new command's statement at every execution, and a recovery runs three (highest sequence number, replay,
/// latest snapshot): compiling them again took about as long as running them. A read takes an idle session (or opens
/// one when none is idle), runs its statement and gives the session back; up to <see cref="MaxIdle"/> stay open
/// between reads, one more is closed. An idle session holds no read transaction (its statements are reset after each
/// read), so it keeps no WAL checkpoint waiting.
/// </summary>
internal sealed class SqliteReadSessions : IDisposable
{
    public const string OpenMetric = "orchestrator.journal.read_sessions";

    /// <summary>Idle sessions kept open: reads run on the thread pool, about one per core at a time.</summary>
    public static readonly int MaxIdle = Math.Max(4, 2 * Environment.ProcessorCount);

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly UpDownCounter<int> OpenSessions =
        Meter.CreateUpDownCounter<int>(OpenMetric, "{connection}", "Connections the embedded journal and snapshot store keep for recovery reads (idle ones at most 2 per core each).");

    private readonly string _connectionString;
    private readonly ConcurrentBag<Session> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public SqliteReadSessions(string connectionString) => _connectionString = connectionString;

    /// <summary>Sessions open and idle, waiting for the next read.</summary>
    public int Idle => Volatile.Read(ref _idleCount);

    /// <summary>
    /// Runs <paramref name="read"/> on a session's prepared statement for <paramref name="sql"/>, its parameters set to
    /// <paramref name="parameters"/> (the same names, in the same order, at every call for one statement).
    /// </summary>
    public T Read<TState, T>(string sql, ReadOnlySpan<(string Name, object Value)> parameters, TState state, Func<SqliteCommand, TState, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var session = Take();
        T result;
        try
        {
            result = read(session.Command(sql, parameters), state);
        }
        catch
        {
            // Its statement may be left mid-step: not given back.
            session.Dispose();
            throw;
        }
        GiveBack(session);
        return result;
    }

    public void Dispose()
    {
        _disposed = true;
        CloseIdle();
    }

    private Session Take()
    {
        if (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }
        return new Session(SqliteReads.Open(_connectionString));
    }

    private void GiveBack(Session session)
    {
        if (_disposed)
        {
            session.Dispose();
            return;
        }
        if (Interlocked.Increment(ref _idleCount) > MaxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            session.Dispose();
            return;
        }
        _idle.Add(session);
        // Disposed meanwhile: what it closed may not have included this one.
        if (_disposed) CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var session)) session.Dispose();
    }

    /// <summary>One connection and its prepared statements, keyed by their SQL: the few a plugin's recoveries run.</summary>
    private sealed class Session : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public Session(SqliteConnection connection)
        {
            _connection = connection;
            OpenSessions.Add(1);
        }

        public SqliteCommand Command(string sql, ReadOnlySpan<(string Name, object Value)> parameters)
        {
            if (_commands.TryGetValue(sql, out var command))
            {
                for (var i = 0; i < parameters.Length; i++) command.Parameters[i].Value = parameters[i].Value;
                return command;
            }
            command = SqliteReads.Command(_connection, sql, parameters);
            command.Prepare();
            _commands.Add(sql, command);
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
