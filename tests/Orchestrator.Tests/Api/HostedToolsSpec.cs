using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>
/// Hosted tools enabled per conversation go to the model untouched, and the items they produce stay in the window like
/// any other; the emulator answers <c>hosted:web_search</c> and <c>hosted:mcp</c> with their items.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class HostedToolsSpec(ApiFixture api)
{
    [Fact]
    public async Task Items_of_hosted_tools_are_kept_in_the_window_and_the_conversation_goes_on()
    {
        var id = await api.CreateAsync(new
        {
            hosted_tools = new object[]
            {
                new { type = "web_search" },
                new { type = "mcp", server_label = "deepwiki", server_url = "https://mcp.deepwiki.com/mcp", require_approval = "never", allowed_tools = new[] { "ask_question" } },
            },
            tool_choice = "auto",
            parallel_tool_calls = false,
        });

        var first = await api.RunTurnAsync(id, new { text = "hosted:web_search what changed in Akka.NET 1.5" });
        var second = await api.RunTurnAsync(id, new { text = "hosted:mcp ask the wiki" });

        Assert.Equal("turn.completed", first[^1].Type);
        Assert.Equal("turn.completed", second[^1].Type);
        var transcript = (await (await api.Http.GetAsync(api.At($"/v1/conversations/{id}"))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transcript").EnumerateArray().ToList();
        Assert.Equal(["message", "web_search_call", "message", "message", "mcp_call", "message"], transcript.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("what changed in Akka.NET 1.5", transcript[1].GetProperty("action").GetProperty("query").GetString());
        Assert.Equal("deepwiki", transcript[4].GetProperty("server_label").GetString());
        Assert.Equal("ask_question", transcript[4].GetProperty("name").GetString());
    }
}
