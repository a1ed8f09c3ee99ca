using Akka.Configuration;
using Orchestrator.Hosting.Configuration;
using Xunit;
using ConfigurationException = Orchestrator.Hosting.Configuration.ConfigurationException;

namespace Orchestrator.Tests.Persistence;

/// <summary>Choosing the PostgreSQL journal: where its connection string comes from, and that its password is never printed.</summary>
public class PostgresJournalSettingsTests
{
    private const string Password = "pg-SECRET-pass-42";
    private const string ConnectionString = $"Host=127.0.0.1;Port=5433;Username=orch;Password={Password};Database=journal";

    private static readonly Config Engine =
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "engine.conf")));

    private static OrchestratorSettings Load(Config? config = null, params (string Name, string? Value)[] variables) =>
        OrchestratorSettings.FromConfig(config ?? Engine, name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Postgres_journal_takes_its_connection_string_from_the_environment()
    {
        var settings = Load(null, ("ORCHESTRATOR_JOURNAL", "postgres"), ("ORCHESTRATOR_POSTGRES", ConnectionString));

        Assert.Equal(JournalKind.Postgres, settings.Journal);
        var postgres = Assert.IsType<PostgresJournalSettings>(settings.Postgres);
        Assert.Equal(ConnectionString, postgres.ConnectionString);
        Assert.Equal(("127.0.0.1", 5433, "journal", "orch"), (postgres.Host, postgres.Port, postgres.Database, postgres.Username));
        Assert.Equal(TimeSpan.FromSeconds(10), postgres.StartupTimeout);
    }

    [Fact]
    public void Postgres_journal_can_be_chosen_in_hocon_and_the_environment_connection_string_wins()
    {
        var config = ConfigurationFactory.ParseString("""
            orchestrator { journal = postgres, postgres { connection-string = "Host=db.internal;Database=from-hocon", startup-timeout = 3s } }
            """).WithFallback(Engine);

        Assert.Equal("from-hocon", Load(config).Postgres!.Database);
        Assert.Equal(TimeSpan.FromSeconds(3), Load(config).Postgres!.StartupTimeout);
        Assert.Equal("journal", Load(config, ("ORCHESTRATOR_POSTGRES", ConnectionString)).Postgres!.Database);
    }

    [Fact]
    public void The_sqlite_journal_ignores_a_postgres_connection_string()
    {
        Assert.Null(Load(null, ("ORCHESTRATOR_POSTGRES", ConnectionString)).Postgres);
    }

    [Fact]
    public void Postgres_journal_without_a_connection_string_is_a_configuration_error_naming_the_variable()
    {
        var e = Assert.Throws<ConfigurationException>(() => Load(null, ("ORCHESTRATOR_JOURNAL", "postgres")));

        Assert.Contains("ORCHESTRATOR_POSTGRES", e.Message);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Passwrd=x")]
    [InlineData("Database=orchestrator")]
    public void A_malformed_connection_string_is_a_configuration_error_that_does_not_echo_it(string connectionString)
    {
        var e = Assert.Throws<ConfigurationException>(() => Load(null, ("ORCHESTRATOR_JOURNAL", "postgres"), ("ORCHESTRATOR_POSTGRES", connectionString)));

        Assert.Contains("ORCHESTRATOR_POSTGRES", e.Message);
        Assert.DoesNotContain(connectionString, e.Message);
    }

    [Fact]
    public void Settings_text_names_the_server_but_never_the_password()
    {
        var settings = Load(null, ("ORCHESTRATOR_JOURNAL", "postgres"), ("ORCHESTRATOR_POSTGRES", ConnectionString));

        foreach (var text in new[] { settings.ToString(), settings.Postgres!.ToString(), $"{settings.Postgres}" })
        {
            Assert.DoesNotContain(Password, text);
            Assert.DoesNotContain("SECRET", text);
            Assert.Contains("127.0.0.1:5433/journal", text);
        }
    }
}
