using System.Text.Json;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Tools;
using Xunit;
using static Orchestrator.Tests.Tools.ToolTesting;

namespace Orchestrator.Tests.Tools;

/// <summary>External tools (an MCP server's) in the registry: replaced as a set, declared as they are now, run with the
/// model's JSON object as is, and an unreachable server an <c>unavailable</c> error output.</summary>
public sealed class ToolSourceTests
{
    public sealed record NoArgs;

    private static readonly JsonElement ObjectSchema = Json("""{"type":"object","properties":{"q":{"type":"string"}}}""");

    private static ExternalTool Tool(string name, Func<JsonElement, Task<string>>? run = null) =>
        new(new ToolDefinition(name, "d", ObjectSchema), (args, _, _) => (run ?? (a => Task.FromResult(a.GetRawText())))(args));

    [Fact]
    public void A_sources_tools_are_replaced_as_a_set_and_the_declarations_follow()
    {
        var registry = new ToolRegistry().Add<NoArgs, string>("local", "", (_, _) => Task.FromResult("x"));
        var declared = ConversationDependencies.Declare(registry);

        Assert.Empty(registry.ReplaceSource("mcp:s", [Tool("s__a"), Tool("s__b")]));
        Assert.Equal(["local", "s__a", "s__b"], declared.Select(t => t.Name));

        Assert.Empty(registry.ReplaceSource("mcp:s", [Tool("s__c")]));
        Assert.Equal(["local", "s__c"], declared.Select(t => t.Name));
        Assert.False(registry.Contains("s__a"));

        Assert.Empty(registry.ReplaceSource("mcp:s", []));
        Assert.Equal(["local"], declared.Select(t => t.Name));
    }

    [Fact]
    public void A_name_taken_by_another_tool_or_invalid_is_left_out_and_reported()
    {
        var registry = new ToolRegistry().Add<NoArgs, string>("local", "", (_, _) => Task.FromResult("x"));
        registry.ReplaceSource("mcp:one", [Tool("shared")]);

        var rejected = registry.ReplaceSource("mcp:two", [Tool("local"), Tool("shared"), Tool("bad name"), Tool("fine")]);

        Assert.Equal(["local", "shared", "bad name"], rejected);
        Assert.Equal(["local", "shared", "fine"], registry.Definitions.Select(d => d.Name));
    }

    [Fact]
    public async Task An_external_tool_gets_the_models_object_as_is_and_its_text_is_the_output()
    {
        var registry = new ToolRegistry();
        registry.ReplaceSource("mcp:s", [Tool("s__echo")]);
        var invoker = new ToolInvoker(registry, new ToolInvokerOptions { Timeout = Bound });

        var outcome = await invoker.InvokeAsync("s__echo", """{"q":"x","extra":[1]}""", Context(), CancellationToken.None);
        var notAnObject = await invoker.InvokeAsync("s__echo", "[1]", Context(), CancellationToken.None);

        Assert.Equal("""{"q":"x","extra":[1]}""", outcome.Output);
        Assert.Equal("invalid_arguments", ErrorOf(notAnObject).Kind);
    }

    [Fact]
    public async Task An_unreachable_server_is_an_unavailable_error_output()
    {
        var registry = new ToolRegistry();
        registry.ReplaceSource("mcp:s", [Tool("s__down", _ => throw new ToolUnavailableException("MCP server 's' is not connected."))]);
        var invoker = new ToolInvoker(registry, new ToolInvokerOptions { Timeout = Bound });

        var outcome = await invoker.InvokeAsync("s__down", "{}", Context(), CancellationToken.None);

        Assert.Equal(ToolFailure.Unavailable, outcome.Failure);
        Assert.Equal(("unavailable", "Tool 's__down' is unavailable: MCP server 's' is not connected."), ErrorOf(outcome));
    }
}
