using Akka.Configuration;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>The plugin's reference configuration, as Akka.Persistence.Sql's <c>SqlPersistence</c> offers its own.</summary>
public static class SqlitePersistence
{
    /// <summary>
    /// <c>hocon/persistence-sqlite.conf</c>, embedded in this assembly: the journal and snapshot store of the
    /// conversations and of sharding on one SQLite file, without the connection string.
    /// </summary>
    public static Config DefaultConfiguration { get; } =
        ConfigurationFactory.FromResource<SqliteJournal>("Orchestrator.Persistence.Sqlite.persistence-sqlite.conf");
}
