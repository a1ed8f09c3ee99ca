using Akka.Configuration;
using Akka.Hosting;
using Orchestrator.Persistence.Sqlite;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// The backend of the journal and snapshot store, chosen by <see cref="OrchestratorSettings.Journal"/>. Each one
/// checks before the actor system starts that its database is usable, so that a bad path or an unreachable server
/// is a one-line <see cref="ConfigurationException"/> instead of a plugin failing later inside the node.
/// </summary>
public abstract class JournalStore
{
    /// <summary>This backend's plugin settings (<c>hocon/persistence-*.conf</c>); only the chosen one is loaded.</summary>
    public static Config Reference(JournalKind kind) => kind switch
    {
        JournalKind.Sqlite => SqlitePersistence.DefaultConfiguration,
        JournalKind.Postgres => OrchestratorSettings.Reference("persistence-postgres.conf"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown journal kind"),
    };

    public static JournalStore For(OrchestratorSettings settings) => settings.Journal switch
    {
        JournalKind.Sqlite => new SqliteJournalStore(settings.DataDirectory),
        JournalKind.Postgres => new PostgresJournalStore(settings.Postgres
            ?? throw new ConfigurationException("The postgres journal needs a connection string: set ORCHESTRATOR_POSTGRES or orchestrator.postgres.connection-string.")),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Journal, "unknown journal kind"),
    };

    /// <summary>Checks the database and returns the HOCON that points the journal and snapshot store at it.</summary>
    public abstract Task<Config> PrepareAsync(CancellationToken cancellationToken);

    /// <summary>The conversations' plugins and sharding's own (<c>*.sharding</c>, other tables) use the same database.</summary>
    protected static Config ConnectionStringHocon(string connectionString)
    {
        string[] plugins = ["journal.sql", "snapshot-store.sql", "journal.sharding", "snapshot-store.sharding"];
        return ConfigurationFactory.ParseString(string.Join("\n", plugins.Select(plugin => $"akka.persistence.{plugin}.connection-string = {connectionString.ToHocon()}")));
    }
}
