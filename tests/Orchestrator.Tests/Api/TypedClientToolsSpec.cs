using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Client;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>An embedding .NET application runs a conversation's client tools through <see cref="IOrchestratorClient"/>.</summary>
[Collection(ApiCollection.Name)]
public sealed class TypedClientToolsSpec(ApiFixture api)
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}""").RootElement;

    private IOrchestratorClient Client() => new OrchestratorClient(
        api.Node.Services.GetRequiredService<ActorSystem>(), api.Node.Services.GetRequiredService<IRequiredActor<ConversationRegion>>(), ApiFixture.Timeout);

    [Fact]
    public async Task The_application_answers_tool_required_updates_beside_a_node_tool_and_the_turn_completes_exactly()
    {
        var client = Client();
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        var id = await client.StartConversationAsync(null, null, null,
            new ConversationToolSettings([new ClientTool("crm_search", "Searches the CRM.", Schema)]), timeout.Token);
        var answered = new Dictionary<string, string>();
        TurnCompleted? completed = null;

        await foreach (var update in client.SendAsync(id, "search tools:2", cancellationToken: timeout.Token))
        {
            if (update is ToolResultRequired call)
            {
                answered[call.CallId] = $"found for {call.Arguments}";
                Assert.False((await client.SubmitToolResultAsync(id, call.CallId, answered[call.CallId], cancellationToken: timeout.Token)).Duplicate);
            }
            completed = update as TurnCompleted ?? completed;
        }

        // crm_search ran here; the second call went to the node's lookup, in parallel.
        Assert.Single(answered);
        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", completed!.Text);
        var (first, output) = answered.First();
        Assert.True((await client.SubmitToolResultAsync(id, first, output, cancellationToken: timeout.Token)).Duplicate);
        var other = await Assert.ThrowsAsync<ToolResultRejectedException>(() => client.SubmitToolResultAsync(id, first, "another result", cancellationToken: timeout.Token));
        Assert.Equal(ToolResultRejectionCodes.AlreadyAnswered, other.Code);
        var unknown = await Assert.ThrowsAsync<ToolResultRejectedException>(() => client.SubmitToolResultAsync(id, "call_nobody_made", "x", cancellationToken: timeout.Token));
        Assert.Equal(ToolResultRejectionCodes.UnknownCall, unknown.Code);
    }

    [Fact]
    public async Task Client_tools_named_as_a_node_tool_are_refused()
    {
        var client = Client();

        var refused = await Assert.ThrowsAsync<ConversationRejectedException>(() =>
            client.StartConversationAsync(null, null, null, new ConversationToolSettings([new ClientTool("lookup", null, Schema)])));

        Assert.Contains("this node runs", refused.Message);
    }
}
