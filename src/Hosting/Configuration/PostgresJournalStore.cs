using System.Net.Sockets;
using Akka.Configuration;
using Npgsql;

namespace Orchestrator.Hosting.Configuration;

/// <summary>The cluster journal: a PostgreSQL database that every node shares; the plugin creates its tables.</summary>
public sealed class PostgresJournalStore(PostgresJournalSettings settings) : JournalStore
{
    /// <summary>
    /// Opens one connection and runs <c>SELECT 1</c> within <see cref="PostgresJournalSettings.StartupTimeout"/>.
    /// Without this check an unreachable server shows up only as the plugin's retries in the log while every
    /// conversation waits for its recovery.
    /// </summary>
    public override async Task<Config> PrepareAsync(CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Ceiling(settings.StartupTimeout.TotalSeconds);
        // Npgsql bounds connecting (including the start-up handshake) by Timeout and the query by CommandTimeout;
        // no pooling, so that the probe leaves no idle connection behind.
        var probe = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Timeout = seconds, CommandTimeout = seconds, Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(probe.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            throw new ConfigurationException($"The PostgreSQL journal at {settings.Host}:{settings.Port}, database '{settings.Database}' cannot be opened: {Reason(e)}", e);
        }

        return ConnectionStringHocon(settings.ConnectionString);
    }

    /// <summary>Npgsql's own message plus the socket or timeout cause it wraps, on one line; they never contain the password.</summary>
    private static string Reason(Exception e)
    {
        var reason = e.Message.TrimEnd('.');
        if (e.InnerException is SocketException or TimeoutException or IOException && e.InnerException.Message is { Length: > 0 } inner)
            reason += $" ({inner.TrimEnd('.')})";
        return reason.ReplaceLineEndings(" ") + ".";
    }
}
