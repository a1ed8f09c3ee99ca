using Npgsql;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// Where the PostgreSQL journal lives. The connection string carries the password: this record prints only
/// host, port, database and user.
/// </summary>
public sealed class PostgresJournalSettings
{
    private PostgresJournalSettings(string connectionString, NpgsqlConnectionStringBuilder parsed, TimeSpan startupTimeout)
    {
        ConnectionString = connectionString;
        Host = parsed.Host ?? "";
        Port = parsed.Port;
        Database = parsed.Database ?? parsed.Username ?? "";
        Username = parsed.Username;
        StartupTimeout = startupTimeout;
    }

    public string ConnectionString { get; }
    public string Host { get; }
    public int Port { get; }
    /// <summary>The database; PostgreSQL takes the user name when the connection string names none.</summary>
    public string Database { get; }
    public string? Username { get; }
    /// <summary>How long the start-up check may wait for the server before the node refuses to start.</summary>
    public TimeSpan StartupTimeout { get; }

    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=127.0.0.1;Port=5432;Username=…;Password=…;Database=…</c>.</param>
    public static PostgresJournalSettings Parse(string? connectionString, TimeSpan startupTimeout)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ConfigurationException("The postgres journal needs a connection string: set ORCHESTRATOR_POSTGRES or orchestrator.postgres.connection-string.");
        if (startupTimeout <= TimeSpan.Zero)
            throw new ConfigurationException($"orchestrator.postgres.startup-timeout must be positive, not {startupTimeout}.");

        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the offending keyword or position, never a value.
            throw new ConfigurationException($"The PostgreSQL connection string (ORCHESTRATOR_POSTGRES) is not valid: {e.Message}", e);
        }
        if (string.IsNullOrWhiteSpace(parsed.Host))
            throw new ConfigurationException("The PostgreSQL connection string (ORCHESTRATOR_POSTGRES) names no Host.");
        return new PostgresJournalSettings(connectionString, parsed, startupTimeout);
    }

    public override string ToString() => $"postgres {Host}:{Port}/{Database}{(Username is null ? "" : $" as {Username}")}";
}
