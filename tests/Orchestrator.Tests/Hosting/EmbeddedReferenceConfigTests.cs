using Akka.Configuration;
using Orchestrator.Hosting.Configuration;
using Xunit;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// The reference HOCON travels inside the libraries that read it, so that an application that installs the packages
/// needs no hocon/ folder: what they load is the repository's file, for both journals.
/// </summary>
public class EmbeddedReferenceConfigTests
{
    private static Config RepositoryFile(string file) =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", file)));

    [Theory]
    [InlineData(JournalKind.Sqlite, "persistence-sqlite.conf")]
    [InlineData(JournalKind.Postgres, "persistence-postgres.conf")]
    public void Each_journal_loads_its_plugin_settings_from_the_assemblies(JournalKind kind, string file)
    {
        var embedded = JournalStore.Reference(kind);
        var repository = RepositoryFile(file);

        foreach (var key in new[] { "akka.persistence.journal.sql.class", "akka.persistence.snapshot-store.sql.class", "akka.persistence.journal.sharding.class" })
            Assert.Equal(repository.GetString(key), embedded.GetString(key));
    }

    [Fact]
    public void A_node_loads_engine_cluster_and_the_default_journal_without_files_beside_it()
    {
        var hocon = OrchestratorSettings.Load(_ => null).Hocon;

        Assert.Equal(RepositoryFile("engine.conf").GetString("orchestrator.model"), hocon.GetString("orchestrator.model"));
        Assert.Equal(RepositoryFile("cluster.conf").GetString("akka.actor.provider"), hocon.GetString("akka.actor.provider"));
        Assert.Equal(RepositoryFile("persistence-sqlite.conf").GetString("akka.persistence.journal.sql.class"), hocon.GetString("akka.persistence.journal.sql.class"));
    }
}
