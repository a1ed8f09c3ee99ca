using System.Text.Json;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

/// <summary>A conversation's hosted tools, tool choice and parallel_tool_calls go into response.create untouched.</summary>
public class RequestToolsTests
{
    private static readonly FunctionTool Weather = new("get_weather", "Weather.", JsonDocument.Parse("""{"type":"object"}""").RootElement);

    private static JsonElement Request(ConversationSettings settings) =>
        JsonDocument.Parse(new RequestPlan(SendKind.Full, null, [Item.UserMessage("hi")]).ToRequest(settings, [Weather]).ToUtf8Bytes()).RootElement;

    [Fact]
    public void Hosted_tools_follow_the_function_tools_verbatim_with_tool_choice_and_parallel_tool_calls()
    {
        const string mcp = """{"type":"mcp","server_label":"deepwiki","server_url":"https://mcp.deepwiki.com/mcp","require_approval":"never","allowed_tools":["ask_question"]}""";
        var settings = new ConversationSettings("gpt-5.1", Tools: new ConversationToolSettings(
            HostedTools: [JsonDocument.Parse("""{"type":"web_search","search_context_size":"low"}""").RootElement, JsonDocument.Parse(mcp).RootElement],
            ToolChoice: JsonDocument.Parse("""{"type":"function","name":"get_weather"}""").RootElement,
            ParallelToolCalls: false));

        var request = Request(settings);

        var tools = request.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(3, tools.Count);
        Assert.Equal("function", tools[0].GetProperty("type").GetString());
        Assert.Equal("get_weather", tools[0].GetProperty("name").GetString());
        Assert.Equal("""{"type":"web_search","search_context_size":"low"}""", tools[1].GetRawText());
        Assert.Equal(mcp, tools[2].GetRawText());
        Assert.Equal("""{"type":"function","name":"get_weather"}""", request.GetProperty("tool_choice").GetRawText());
        Assert.False(request.GetProperty("parallel_tool_calls").GetBoolean());
    }

    [Fact]
    public void Without_settings_of_its_own_a_request_carries_only_the_function_tools()
    {
        var request = Request(new ConversationSettings("gpt-5.1"));

        Assert.Single(request.GetProperty("tools").EnumerateArray());
        Assert.False(request.TryGetProperty("tool_choice", out _));
        Assert.False(request.TryGetProperty("parallel_tool_calls", out _));
    }

    [Fact]
    public void A_request_is_written_by_the_source_generated_fast_path()
    {
        // A converter on one of its properties makes the generator drop the request's fast path: every request of
        // every turn then goes through the slower metadata path (BENCHMARKS.md, issue 28).
        Assert.NotNull(ProtocolJsonContext.Default.ResponseCreate.SerializeHandler);
    }

    [Fact]
    public void A_string_tool_choice_goes_as_a_string()
    {
        var request = Request(new ConversationSettings("gpt-5.1", Tools: new ConversationToolSettings(ToolChoice: JsonDocument.Parse("\"none\"").RootElement)));

        Assert.Equal("none", request.GetProperty("tool_choice").GetString());
    }
}
