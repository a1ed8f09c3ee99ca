using Orchestrator.Hosting.Configuration;
using Orchestrator.Http;
using Xunit;
using Config = Akka.Configuration.Config;
using ConfigurationFactory = Akka.Configuration.ConfigurationFactory;

namespace Orchestrator.Tests.Api;

/// <summary>The <c>orchestrator.api</c> block of <c>hocon/engine.conf</c> and the environment become <see cref="ApiOptions"/>.</summary>
public sealed class ApiOptionsTests
{
    private static readonly Config EngineConf =
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "engine.conf")));

    private static string? NoEnvironment(string name) => null;

    [Fact]
    public void The_shipped_configuration_gives_the_documented_defaults()
    {
        var options = ApiOptions.FromConfig(EngineConf, NoEnvironment);

        Assert.Equal(new ApiOptions(), options);
    }

    [Fact]
    public void Keys_of_the_api_block_and_the_environment_override_the_defaults()
    {
        var config = ConfigurationFactory.ParseString("""
            orchestrator.api {
              max-connections = 20
              max-connections-per-client = 7
              max-request-body = 64k
              body-read-timeout = 3s
              rate-limit { requests-per-second = 0, burst = 5 }
              max-instructions-bytes = 100
              event-buffers-max-bytes = 1m
            }
            """).WithFallback(EngineConf);

        var options = ApiOptions.FromConfig(config, name => name == ApiOptions.TokenVariable ? " secret " : null);

        Assert.Equal((20, 64 * 1024L, TimeSpan.FromSeconds(3), 0, 5, 100, 1024 * 1024L, "secret"),
            (options.MaxConnections, options.MaxRequestBytes, options.BodyReadTimeout, options.RequestsPerSecond, options.RequestBurst,
                options.MaxInstructionsBytes, options.EventBuffersMaxBytes, options.Token));
        Assert.Equal(7, options.MaxConnectionsPerClient);
        Assert.DoesNotContain("secret", options.ToString());
    }

    [Theory]
    [InlineData("max-connections = 0", "orchestrator.api.max-connections must be positive")]
    [InlineData("min-request-body-rate-grace = 1s", "orchestrator.api.min-request-body-rate-grace must be longer than 1s")]
    public void An_out_of_range_key_is_an_error_naming_it(string hocon, string message)
    {
        var config = ConfigurationFactory.ParseString($"orchestrator.api {{ {hocon} }}").WithFallback(EngineConf);

        Assert.StartsWith(message, Assert.Throws<ConfigurationException>(() => ApiOptions.FromConfig(config, NoEnvironment)).Message);
    }
}
