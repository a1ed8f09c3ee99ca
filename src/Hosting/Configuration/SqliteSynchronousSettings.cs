using Orchestrator.Persistence.Sqlite;

namespace Orchestrator.Hosting.Configuration;

/// <summary>Reads <c>orchestrator.sqlite-synchronous</c> (or <c>ORCHESTRATOR_SQLITE_SYNCHRONOUS</c>) into the plugin's <see cref="SqliteSynchronous"/>.</summary>
public static class SqliteSynchronousSettings
{
    public static SqliteSynchronous Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "full" => SqliteSynchronous.Full,
        "normal" => SqliteSynchronous.Normal,
        _ => throw new ConfigurationException($"orchestrator.sqlite-synchronous must be \"full\" or \"normal\", not \"{value}\"."),
    };
}
