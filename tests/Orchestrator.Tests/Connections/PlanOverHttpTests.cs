using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Connections;

/// <summary>What the planner sends over HTTP, where no connection-local cache exists.</summary>
public sealed class PlanOverHttpTests
{
    private static readonly ConversationSettings Zdr = new("gpt-5.1", "Be brief.", Store: false);

    private static ConversationState SecondTurn(ConversationSettings settings) => new IPersistedEvent[]
    {
        new ConversationStarted(settings),
        new UserMessageAccepted("m1", Item.UserMessage("hello")),
        new ResponseRecorded("resp_1", [Item.UserMessage("Hi!")], null),
        new UserMessageAccepted("m2", Item.UserMessage("weather?")),
    }.Aggregate(ConversationState.Empty, (s, e) => s.Apply(e));

    [Fact]
    public void With_store_off_every_request_over_http_is_a_full_send_even_where_a_lane_would_be_warm()
    {
        var state = SecondTurn(Zdr);

        var overHttp = NextRequestPlanner.Plan(state, cachedResponseId: "resp_1", chainLost: false, transport: Transport.Http);
        var overWebSocket = NextRequestPlanner.Plan(state, cachedResponseId: "resp_1", chainLost: false, transport: Transport.WebSocket);

        Assert.Equal(SendKind.Full, overHttp.Kind);
        Assert.Null(overHttp.PreviousResponseId);
        Assert.Equal(state.Window, overHttp.Input);
        Assert.Equal(SendKind.Continuation, overWebSocket.Kind);
    }

    [Fact]
    public void With_store_on_a_request_over_http_continues_the_chain()
    {
        var state = SecondTurn(Zdr with { Store = true });

        var plan = NextRequestPlanner.Plan(state, cachedResponseId: null, chainLost: false, transport: Transport.Http);

        Assert.Equal(SendKind.Continuation, plan.Kind);
        Assert.Equal("resp_1", plan.PreviousResponseId);
        Assert.Equal(state.Unsent, plan.Input);
    }
}
