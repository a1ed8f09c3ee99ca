using Orchestrator.Actors.Tools;
using Orchestrator.Tools.Mcp;
using Xunit;

namespace Orchestrator.Tests.Tools;

/// <summary>The names MCP tools get for the model, and the pace of reconnection.</summary>
public sealed class McpNamingAndBackoffTests
{
    [Theory]
    [InlineData("files", "read_file", "files__read_file")]
    [InlineData("gh", "repos.get-content", "gh__repos_get-content")]
    [InlineData("x", "wetter/heute für Köln", "x__wetter_heute_f_r_K_ln")]
    public void A_tool_is_named_server__tool_with_what_the_api_refuses_replaced(string server, string tool, string expected)
    {
        Assert.Equal(expected, McpToolNames.For(server, tool));
        Assert.True(ToolRegistry.IsValidName(expected));
    }

    [Fact]
    public void Long_names_are_cut_to_64_and_stay_apart_by_a_hash_of_the_whole_name()
    {
        var first = McpToolNames.For("a-long-server-name-here", new string('t', 60) + "_one");
        var second = McpToolNames.For("a-long-server-name-here", new string('t', 60) + "_two");

        Assert.Equal(64, first.Length);
        Assert.True(ToolRegistry.IsValidName(first));
        Assert.NotEqual(first, second);
        Assert.Equal(first, McpToolNames.For("a-long-server-name-here", new string('t', 60) + "_one"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("a.b")]
    [InlineData("twenty-five-characters-xx")]
    public void A_server_name_that_could_not_prefix_a_tool_name_is_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => new McpStdioServer(name, "cmd"));
    }

    [Fact]
    public void Backoff_doubles_from_the_minimum_and_stays_at_the_maximum()
    {
        var (min, max) = (TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));

        var delays = Enumerable.Range(1, 8).Select(failures => McpBackoff.Delay(failures, min, max)).ToList();

        Assert.Equal([100, 200, 400, 800, 1000, 1000, 1000, 1000], delays.Select(d => d.TotalMilliseconds));
        Assert.Equal(max, McpBackoff.Delay(int.MaxValue, min, max));
    }
}
