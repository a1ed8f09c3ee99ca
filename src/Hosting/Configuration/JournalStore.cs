using Akka.Configuration;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// The backend of the journal and snapshot store, chosen by <see cref="OrchestratorSettings.Journal"/>. Each one
/// checks before the actor system starts that its database is usable, so that a bad path or an unreachable server
/// is a one-line <see cref="ConfigurationException"/> instead of a plugin failing later inside the node.
/// </summary>
public abstract class JournalStore
{
    /// <summary>The file in <c>hocon/</c> with this backend's plugin settings; only the chosen one is loaded.</summary>
    public static string HoconFile(JournalKind kind) => $"persistence-{kind.Name()}.conf";

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
        var quoted = "\"" + connectionString.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        string[] plugins = ["journal.sql", "snapshot-store.sql", "journal.sharding", "snapshot-store.sharding"];
        return ConfigurationFactory.ParseString(string.Join("\n", plugins.Select(plugin => $"akka.persistence.{plugin}.connection-string = {quoted}")));
    }
}
