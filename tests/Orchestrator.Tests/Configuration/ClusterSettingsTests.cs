using Akka.Actor;
using Akka.Configuration;
using Orchestrator.Hosting.Configuration;
using Xunit;
using ConfigurationException = Orchestrator.Hosting.Configuration.ConfigurationException;

namespace Orchestrator.Tests.Configuration;

public class ClusterSettingsTests
{
    // The repository's cluster.conf, copied beside the test assembly by the build.
    private static readonly Config ClusterConf =
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf")));

    private static Func<string, string?> Env(params (string Name, string? Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void By_default_a_node_listens_on_loopback_on_any_port_and_joins_itself()
    {
        var settings = ClusterSettings.FromConfig(ClusterConf, Env());

        Assert.Equal(new ClusterSettings("127.0.0.1", 0, []), settings with { SeedNodes = [] });
        Assert.Empty(settings.SeedAddresses("orchestrator"));
    }

    [Fact]
    public void The_environment_overrides_hocon_and_options_override_the_environment()
    {
        var settings = ClusterSettings.FromConfig(ClusterConf, Env(
            ("ORCHESTRATOR_CLUSTER_HOST", "127.0.0.2"), ("ORCHESTRATOR_CLUSTER_PORT", "4053"), ("ORCHESTRATOR_SEED_NODES", "127.0.0.1:4053, 127.0.0.1:4054")));
        Assert.Equal(("127.0.0.2", 4053), (settings.Host, settings.Port));
        Assert.Equal(["127.0.0.1:4053", "127.0.0.1:4054"], settings.SeedNodes);

        var overridden = settings.With(host: null, port: 4055, seedNodes: "akka.tcp://other@127.0.0.1:4060");
        Assert.Equal(("127.0.0.2", 4055), (overridden.Host, overridden.Port));
        Assert.Equal([Address.Parse("akka.tcp://other@127.0.0.1:4060")], overridden.SeedAddresses("orchestrator"));
    }

    [Fact]
    public void A_seed_given_as_host_and_port_is_an_address_of_the_same_actor_system()
    {
        var settings = ClusterSettings.FromConfig(ClusterConf, Env(("ORCHESTRATOR_SEED_NODES", "127.0.0.1:4053")));

        Assert.Equal([new Address("akka.tcp", "orchestrator", "127.0.0.1", 4053)], settings.SeedAddresses("orchestrator"));
        // Akka's own list is emptied: the node joins its seeds explicitly at start-up.
        Assert.Empty(settings.ToHocon().GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(0, settings.ToHocon().GetInt("akka.remote.dot-netty.tcp.port"));
    }

    [Theory]
    [InlineData("ORCHESTRATOR_CLUSTER_PORT", "70000")]
    [InlineData("ORCHESTRATOR_CLUSTER_PORT", "many")]
    [InlineData("ORCHESTRATOR_SEED_NODES", "127.0.0.1")]
    [InlineData("ORCHESTRATOR_SEED_NODES", "127.0.0.1:port")]
    public void Bad_values_are_refused_with_what_is_wrong(string variable, string value)
    {
        var e = Assert.Throws<ConfigurationException>(() => ClusterSettings.FromConfig(ClusterConf, Env((variable, value))));

        Assert.Contains(value.Split(':')[^1], e.Message);
    }
}
