using Orchestrator.Actors.Connections;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Messages.Conversations;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// A node whose endpoint refuses WebSockets (the emulator answers the upgrade with 426) keeps its conversations
/// moving over HTTP: the same turns, the same digests, and the traffic shows what HTTP costs: with store=false every
/// request a full send; with store=true the chain continues by previous_response_id.
/// </summary>
public sealed class HttpTransportSpec
{
    [Theory]
    [InlineData(426)]
    [InlineData(404)]
    [InlineData(405)]
    public async Task With_websockets_refused_a_turn_finishes_over_http_with_the_exact_digest_each_request_a_full_send(int refusal)
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true, RefuseWebSockets = true, WebSocketRefusalStatus = refusal });
        await using var node = await StartNode(ground, store: false);

        var completed = (await node.RunTurnAsync("c-http-full", "compare cities tools:3 rounds:4")).Completed();

        Assert.Contains("calls=12 outputs=12 missing=0 duplicates=0", completed.Text);
        var sent = ground.Requests();
        Assert.Equal(5, sent.Count);
        Assert.All(sent, r =>
        {
            Assert.Equal(TrafficTransport.Http, r.Transport);
            Assert.False(r.Store);
            Assert.Null(r.PreviousResponseId);
        });
        // Each full send carries the whole window: the inputs grow round by round.
        Assert.True(sent.Zip(sent.Skip(1)).All(p => p.Item2.InputItems > p.Item1.InputItems), string.Join(", ", sent.Select(r => r.InputItems)));
        Assert.True(ground.Emulator.Counters.WebSocketsRefused >= 1);
        Assert.Equal(0, ground.Emulator.Counters.Connections);
    }

    [Fact]
    public async Task With_websockets_refused_and_store_on_the_chain_continues_over_http()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true, RefuseWebSockets = true });
        await using var node = await StartNode(ground, store: true);

        var completed = (await node.RunTurnAsync("c-http-store", "compare cities tools:3 rounds:4")).Completed();

        Assert.Contains("calls=12 outputs=12 missing=0 duplicates=0", completed.Text);
        var sent = ground.Requests();
        Assert.Equal(5, sent.Count);
        Assert.All(sent, r => Assert.Equal(TrafficTransport.Http, r.Transport));
        Assert.Null(sent[0].PreviousResponseId);
        Assert.All(sent.Skip(1), r => Assert.NotNull(r.PreviousResponseId));
        Assert.Equal(4, completed.Stats.Continuations);
    }

    [Fact]
    public async Task With_transport_http_no_websocket_is_tried_and_the_next_turn_continues_with_store_on()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true });
        await using var node = await StartNode(ground, store: true, TransportMode.Http);

        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", (await node.RunTurnAsync("c-http-only", "go tools:2")).Completed().Text);
        (await node.RunTurnAsync("c-http-only", "and again")).Completed();

        var sent = ground.Requests();
        Assert.Equal(3, sent.Count);
        Assert.All(sent, r => Assert.Equal(TrafficTransport.Http, r.Transport));
        Assert.All(sent.Skip(1), r => Assert.NotNull(r.PreviousResponseId));
        Assert.Equal(0, ground.Emulator.Counters.WebSocketsRefused);
        Assert.Equal(0, ground.Emulator.Counters.Connections);
    }

    [Fact]
    public async Task An_http_stream_cut_mid_response_is_sent_again_in_full()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions
        {
            RecordTraffic = true,
            Faults = new EmulatorFaults { DropHttpStreamAfter = new Dictionary<long, int> { [2] = 2 } },
        });
        await using var node = await StartNode(ground, store: false, TransportMode.Http);

        var completed = (await node.RunTurnAsync("c-http-cut", "go tools:2 rounds:2")).Completed();

        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", completed.Text);
        var sent = ground.Requests();
        Assert.Equal(4, sent.Count);
        Assert.Equal(sent[1].InputItems, sent[2].InputItems);
    }

    [Fact]
    public async Task Cancelling_a_turn_aborts_its_http_request()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions
        {
            RecordTraffic = true,
            Faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1 } },
        });
        await using var node = await StartNode(ground, store: false, TransportMode.Http);
        var turn = node.RunTurnAsync("c-http-cancel", "go tools:2");
        await Poll.UntilAsync(() => ground.Emulator.Counters.HangsOpen == 1, TimeSpan.FromSeconds(30), () => "the request never reached the emulator");

        Assert.True(await node.Client.CancelTurnAsync("c-http-cancel"));

        Assert.Contains("cancelled", Assert.IsType<TurnFailed>((await turn).Last()).Reason);
        // The emulator sees the request's connection go: its response is no longer held open.
        await Poll.UntilAsync(() => ground.Emulator.Counters.HangsOpen == 0, TimeSpan.FromSeconds(30), () => "the cancelled request was not aborted");
    }

    private static Task<OrchestratorNode> StartNode(EmulatorAndJournal ground, bool store, TransportMode transport = TransportMode.Auto) =>
        ground.StartNodeAsync(s => s with
        {
            Connections = s.Connections with { Transport = transport },
            Conversation = s.Conversation with
            {
                Defaults = s.Defaults with { Store = store },
                RetryMinBackoff = TimeSpan.FromMilliseconds(20),
            },
        });
}
