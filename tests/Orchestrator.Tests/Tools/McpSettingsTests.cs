using Akka.Configuration;
using Orchestrator.Actors.Settings;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tools.Mcp;
using Xunit;

namespace Orchestrator.Tests.Tools;

/// <summary>The <c>orchestrator.tools.mcp</c> settings: bound from HOCON, written back key for key, checked where they are read.</summary>
public sealed class McpSettingsTests
{
    private const string TwoServers = """
        orchestrator.tools.mcp {
          connect-timeout = 5s
          min-backoff = 200ms
          max-backoff = 10s
          servers {
            files { command = "npx", arguments = ["-y", "@modelcontextprotocol/server-filesystem", "/srv docs"], environment { LOG_LEVEL = "warn" } }
            search { url = "https://mcp.example.com/mcp", headers { Authorization = "SEARCH_MCP_AUTHORIZATION" } }
          }
        }
        """;

    [Fact]
    public void The_reference_has_no_servers_and_the_documented_backoff()
    {
        var options = new McpSourceOptions();

        Assert.Empty(options.Servers);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), (options.ConnectTimeout, options.MinBackoff, options.MaxBackoff));
        Assert.Equal(new McpSourceOptions(ConfigurationFactory.ParseString(EngineReference.Text)), options);
    }

    [Fact]
    public void Stdio_and_http_servers_bind_from_hocon_in_order()
    {
        var options = new McpSourceOptions(ConfigurationFactory.ParseString(TwoServers));

        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10)), (options.ConnectTimeout, options.MinBackoff, options.MaxBackoff));
        var files = Assert.IsType<McpStdioServer>(options.Servers[0]);
        Assert.Equal(("files", "npx"), (files.Name, files.Command));
        Assert.Equal(["-y", "@modelcontextprotocol/server-filesystem", "/srv docs"], files.Arguments);
        Assert.Equal("warn", files.Environment!["LOG_LEVEL"]);
        var search = Assert.IsType<McpHttpServer>(options.Servers[1]);
        Assert.Equal(("search", new Uri("https://mcp.example.com/mcp")), (search.Name, search.Url));
        Assert.Equal("SEARCH_MCP_AUTHORIZATION", search.HeadersFromEnvironment!["Authorization"]);
    }

    [Fact]
    public void Options_written_as_hocon_bind_back_to_the_same_options()
    {
        var options = new McpSourceOptions(ConfigurationFactory.ParseString(TwoServers));

        Assert.Equal(options, new McpSourceOptions(options.ToHocon()));
        Assert.NotEqual(new McpSourceOptions(), new McpSourceOptions(options.ToHocon()));
        Assert.Equal(new McpSourceOptions(), new McpSourceOptions(new McpSourceOptions().ToHocon()));
    }

    [Fact]
    public void A_node_with_servers_round_trips_through_its_hocon()
    {
        var settings = OrchestratorSettings.Load(_ => null) with { Mcp = new McpSourceOptions(ConfigurationFactory.ParseString(TwoServers)) };

        var back = OrchestratorSettings.FromConfig(settings.ToHocon(), _ => null);

        Assert.Equal(2, settings.Mcp.Servers.Count);
        Assert.Equal(settings.Mcp, back.Mcp);
    }

    [Fact]
    public void An_operators_server_names_are_not_unknown_settings_but_a_typo_beside_them_is()
    {
        KnownSettings.Check(ConfigurationFactory.ParseString(TwoServers), "test");

        var error = Assert.Throws<Orchestrator.Hosting.Configuration.ConfigurationException>(() => KnownSettings.Check(ConfigurationFactory.ParseString("orchestrator.tools.mcp.min-bakoff = 1s"), "test"));
        Assert.Contains("did you mean orchestrator.tools.mcp.min-backoff?", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x { }", "orchestrator.tools.mcp.servers.x has neither command (a stdio server) nor url (a streamable HTTP server).")]
    [InlineData("x { command = \"a\", url = \"https://h/mcp\" }", "unknown setting orchestrator.tools.mcp.servers.x.url; a server has command, arguments, environment.")]
    [InlineData("x { url = \"ftp://h/mcp\" }", "orchestrator.tools.mcp.servers.x.url must be an absolute http or https URL, not 'ftp://h/mcp'.")]
    [InlineData("x { command = \"a\", arguments = \"b\" }", "orchestrator.tools.mcp.servers.x.arguments must be a list of strings.")]
    [InlineData("x = 3", "orchestrator.tools.mcp.servers.x must be an object with command (stdio) or url (streamable HTTP).")]
    [InlineData("\"a.b\" { command = \"a\" }", "orchestrator.tools.mcp.servers.a.b: MCP server name 'a.b' is invalid: use 1 to 24 characters from a-z, A-Z, 0-9, '_' and '-'. (Parameter 'name')")]
    public void A_malformed_server_is_refused_naming_its_key(string server, string message)
    {
        var error = Assert.Throws<SettingsException>(() => new McpSourceOptions(ConfigurationFactory.ParseString($"orchestrator.tools.mcp.servers {{ {server} }}")));

        Assert.Equal(message, error.Message);
    }
}
