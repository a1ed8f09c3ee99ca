namespace Orchestrator.Hosting.Configuration;

/// <summary>The journal backend: <c>orchestrator.journal</c> or <c>ORCHESTRATOR_JOURNAL</c>.</summary>
public enum JournalKind
{
    /// <summary>The embedded default: one SQLite file under the data directory.</summary>
    Sqlite,
    /// <summary>A PostgreSQL database shared by every node of a cluster.</summary>
    Postgres,
}

public static class JournalKinds
{
    /// <summary>The names users write in HOCON and the environment.</summary>
    public static string Name(this JournalKind kind) => kind switch
    {
        JournalKind.Sqlite => "sqlite",
        JournalKind.Postgres => "postgres",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static JournalKind Parse(string name) =>
        Enum.GetValues<JournalKind>().Where(kind => kind.Name() == name.Trim().ToLowerInvariant()).Select(kind => (JournalKind?)kind).SingleOrDefault()
        ?? throw new ConfigurationException($"Journal '{name}' is not supported; use 'sqlite' or 'postgres' (ORCHESTRATOR_JOURNAL).");
}
