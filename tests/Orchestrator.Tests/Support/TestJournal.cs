using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;
using Npgsql;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Persistence.Sqlite;

namespace Orchestrator.Tests.Support;

/// <summary>
/// An empty journal of one kind for one test, removed afterwards: SQLite in a fresh data directory, PostgreSQL in a
/// fresh database on the <see cref="TestPostgres"/> server. Nodes pick it up through <see cref="Environment"/>, the
/// way a user selects a journal.
/// </summary>
public sealed class TestJournal : IAsyncDisposable
{
    private readonly TempDirectory? _directory;
    private readonly string? _database;

    private TestJournal(JournalKind kind, TempDirectory? directory, string? database, string? connectionString)
    {
        Kind = kind;
        _directory = directory;
        _database = database;
        ConnectionString = connectionString;
    }

    public JournalKind Kind { get; }

    /// <summary>The data directory of the SQLite journal; null for PostgreSQL, which keeps nothing on disk here.</summary>
    public string? DataDirectory => _directory?.Path;

    /// <summary>The PostgreSQL database's connection string; null for SQLite.</summary>
    public string? ConnectionString { get; }

    public static async Task<TestJournal> CreateAsync(JournalKind kind)
    {
        if (kind == JournalKind.Sqlite) return new TestJournal(kind, new TempDirectory(), null, null);
        var database = $"orchestrator_test_{Guid.NewGuid():N}"[..30];
        return new TestJournal(kind, null, database, await TestPostgres.CreateDatabaseAsync(database));
    }

    /// <summary>The environment variables that select this journal, merged over <paramref name="others"/>.</summary>
    public Func<string, string?> Environment(Func<string, string?>? others = null) => name => name switch
    {
        "ORCHESTRATOR_JOURNAL" => Kind.Name(),
        "ORCHESTRATOR_POSTGRES" => ConnectionString,
        _ => others?.Invoke(name),
    };

    /// <summary>The node's configuration (hocon/ files, this journal, the plugin's defaults) without the cluster.</summary>
    public async Task<Config> NodeConfigAsync()
    {
        var settings = OrchestratorSettings.Load(Environment(), DataDirectory);
        return ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(await JournalStore.For(settings).PrepareAsync(CancellationToken.None))
            .WithFallback(settings.Hocon)
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// An SQLite node's actor system set-up on <paramref name="config"/>: its SQL plugins get the node's linq2db options,
    /// with <paramref name="interceptor"/> added to see their connections or commands.
    /// </summary>
    public static ActorSystemSetup SqliteNodeSetup(Config config, IInterceptor interceptor)
    {
        var options = SqliteConnectionInterceptor
            .DataOptions(config.GetString("akka.persistence.journal.sql.connection-string"), SqliteSynchronous.Full)
            .UseInterceptor(interceptor);
        return ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), SqliteConnectionInterceptor.Setup(options));
    }

    /// <summary>The plugin id under which specs run the plugin's own journal beside the node's (<see cref="StockPlugin"/>).</summary>
    public const string StockJournal = "akka.persistence.journal.stock";

    /// <summary>
    /// The plugin's own <paramref name="pluginClass"/> under <paramref name="pluginId"/>, on the database and tables of the
    /// node's plugin at <paramref name="nodePlugin"/> in <paramref name="node"/>: what a test compares the node's with.
    /// </summary>
    public static Config StockPlugin(Config node, string nodePlugin, string pluginId, string pluginClass, string settings = "") =>
        ConfigurationFactory.ParseString($$"""
            {{pluginId}} {
              class = "{{pluginClass}}, Akka.Persistence.Sql"
              plugin-id = "{{pluginId}}"
              connection-string = "{{node.GetString($"{nodePlugin}.connection-string")}}"
              provider-name = "{{node.GetString($"{nodePlugin}.provider-name")}}"
              {{settings}}
            }
            """).WithFallback(node);

    /// <summary>A plain connection to the journal's database, for tests that read or damage rows directly.</summary>
    public async Task<DbConnection> OpenConnectionAsync()
    {
        DbConnection connection = Kind == JournalKind.Sqlite
            ? new SqliteConnection($"Data Source={Path.Combine(DataDirectory!, SqliteJournalStore.FileName)}")
            : new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Rows of <paramref name="persistenceId"/> in <paramref name="table"/>, a table of the plugin's default mapping.</summary>
    public async Task<long> CountRowsAsync(string table, string persistenceId)
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE persistence_id = @id";
        var id = command.CreateParameter();
        id.ParameterName = "@id";
        id.Value = persistenceId;
        command.Parameters.Add(id);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        _directory?.Dispose();
        if (_database is not null) await TestPostgres.DropDatabaseAsync(_database, ConnectionString!);
    }
}
