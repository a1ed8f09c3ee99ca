using System.Text.Json;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

public class ConversationToolRulesTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object"}""").RootElement;
    private static readonly IReadOnlyList<FunctionTool> NodeTools = [new("get_weather", "Weather.", Schema)];
    private static readonly ConversationOptions Options = new() { MaxConversationTools = 3, MaxConversationToolBytes = 4096 };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static string? Problem(ConversationToolSettings tools) => ConversationToolRules.Problem(tools, NodeTools, Options);

    [Fact]
    public void Client_tools_hosted_tools_and_a_tool_choice_that_fit_are_taken()
    {
        Assert.Null(Problem(new ConversationToolSettings(
            [new ClientTool("search_crm", "Searches.", Schema), new ClientTool("send-mail_2", null, Schema)],
            [Json("""{"type":"web_search"}""")],
            Json("""{"type":"function","name":"search_crm"}"""),
            ParallelToolCalls: false)));
        Assert.Null(Problem(new ConversationToolSettings(ToolChoice: Json("\"required\""))));
    }

    [Theory]
    [InlineData("has space", "not valid")]
    [InlineData("", "not valid")]
    [InlineData("get_weather", "a tool this node runs")]
    [InlineData("a_name_that_is_much_longer_than_sixty_four_characters_which_is_the_limit_x", "not valid")]
    public void A_client_tool_name_that_is_invalid_or_taken_is_refused(string name, string why)
    {
        Assert.Contains(why, Problem(new ConversationToolSettings([new ClientTool(name, null, Schema)])));
    }

    [Fact]
    public void Duplicates_schemas_that_are_not_objects_and_function_typed_hosted_tools_are_refused()
    {
        Assert.Contains("twice", Problem(new ConversationToolSettings([new ClientTool("a", null, Schema), new ClientTool("a", null, Schema)])));
        Assert.Contains("schema", Problem(new ConversationToolSettings([new ClientTool("a", null, Json("true"))])));
        Assert.Contains("client_tools", Problem(new ConversationToolSettings(HostedTools: [Json("""{"type":"function","name":"x"}""")])));
        Assert.Contains("type", Problem(new ConversationToolSettings(HostedTools: [Json("""{"name":"x"}""")])));
        Assert.Contains("tool_choice", Problem(new ConversationToolSettings(ToolChoice: Json("\"sometimes\""))));
        Assert.Contains("positive", Problem(new ConversationToolSettings(ClientToolTimeout: TimeSpan.Zero)));
    }

    [Fact]
    public void Count_and_size_are_bounded()
    {
        var four = Enumerable.Range(0, 4).Select(i => new ClientTool($"t{i}", null, Schema)).ToList();
        var large = new ClientTool("big", new string('x', 5000), Schema);

        Assert.Contains("max-conversation-tools", Problem(new ConversationToolSettings(four)));
        Assert.Contains("max-conversation-tool-bytes", Problem(new ConversationToolSettings([large])));
    }
}
