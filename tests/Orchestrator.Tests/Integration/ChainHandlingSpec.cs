using Orchestrator.Actors.Connections;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// Every way the server can lose or refuse a chain, injected by the emulator; none of them reaches the user as a
/// failure, and the traffic shows the recovery: a full resend where the cache is gone, continuation where it is not.
/// </summary>
public sealed class ChainHandlingSpec
{
    [Fact]
    public async Task Previous_response_not_found_is_answered_with_one_full_resend()
    {
        await using var ground = await Ground(new EmulatorFaults { ErrorOnRequests = new Dictionary<long, InjectedError> { [2] = InjectedError.PreviousResponseNotFound } });
        await using var node = await StartNode(ground);

        var completed = (await node.RunTurnAsync("c-pnf", "go tools:2 rounds:2")).Completed();

        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", completed.Text);
        Assert.Equal(1, completed.Stats.ChainResets);
        var sent = ground.Requests();
        Assert.NotNull(sent[1].PreviousResponseId);
        Assert.Null(sent[2].PreviousResponseId);
        Assert.NotNull(sent[3].PreviousResponseId);
    }

    [Fact]
    public async Task A_connection_dropped_mid_response_is_resent_in_full_on_a_new_connection()
    {
        await using var ground = await Ground(new EmulatorFaults { DropOnRequests = new HashSet<long> { 2 } });
        await using var node = await StartNode(ground);

        var completed = (await node.RunTurnAsync("c-drop", "go tools:2 rounds:2")).Completed();

        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", completed.Text);
        var sent = ground.Requests();
        Assert.Null(sent[2].PreviousResponseId);
        Assert.NotEqual(sent[1].ConnectionId, sent[2].ConnectionId);
    }

    [Fact]
    public async Task A_malformed_frame_drops_the_socket_and_the_request_is_resent_in_full()
    {
        await using var ground = await Ground(new EmulatorFaults { MalformedFrameOnRequests = new HashSet<long> { 2 } });
        await using var node = await StartNode(ground);

        var completed = (await node.RunTurnAsync("c-malformed", "go tools:2 rounds:2")).Completed();

        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", completed.Text);
        Assert.Null(ground.Requests()[2].PreviousResponseId);
    }

    [Theory]
    [InlineData(InjectedError.RateLimitExceeded)]
    [InlineData(InjectedError.ServerError)]
    [InlineData(InjectedError.ResponseFailed)]
    public async Task Transient_server_errors_are_retried_and_the_turn_completes(InjectedError error)
    {
        await using var ground = await Ground(new EmulatorFaults
        {
            ErrorOnRequests = new Dictionary<long, InjectedError> { [2] = error, [3] = error },
            RetryAfter = TimeSpan.FromMilliseconds(100),
        });
        await using var node = await StartNode(ground);

        var completed = (await node.RunTurnAsync("c-transient", "go tools:2 rounds:2")).Completed();

        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", completed.Text);
        Assert.Equal(5, ground.Requests().Count);
    }

    [Theory]
    [InlineData(InjectedError.ServerError, 1)]
    [InlineData(InjectedError.ResponseFailed, 1)]
    [InlineData(InjectedError.RateLimitExceeded, 1)]
    [InlineData(InjectedError.ServerError, 4)]
    [InlineData(InjectedError.ResponseFailed, 4)]
    public async Task An_error_answering_a_continuation_is_retried_in_full_and_never_meets_previous_response_not_found(InjectedError error, int lanes)
    {
        await using var ground = await Ground(new EmulatorFaults
        {
            ErrorOnRequests = new Dictionary<long, InjectedError> { [2] = error },
            RetryAfter = TimeSpan.FromMilliseconds(100),
        });
        await using var node = await StartNode(ground, connections: c => c with { LanesPerConnection = lanes });

        var completed = (await node.RunTurnAsync("c-error-on-continuation", "go tools:2 rounds:2")).Completed();

        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", completed.Text);
        var sent = ground.Requests();
        Assert.Equal(4, sent.Count);
        Assert.NotNull(sent[1].PreviousResponseId);
        Assert.Null(sent[2].PreviousResponseId);
        Assert.Equal(lanes > 1, sent[1].StreamId is not null);
        Assert.Equal(sent[1].StreamId, sent[2].StreamId);
        // The error evicted the parent; the retry never asked for it.
        Assert.Equal(1, ground.Emulator.Counters.ParentsEvicted);
        Assert.Equal(0, ground.Emulator.Counters.PreviousResponseNotFound);
    }

    [Fact]
    public async Task Reaching_the_connection_age_limit_moves_the_chain_to_a_new_connection()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions
        {
            RecordTraffic = true,
            ModelLatency = TimeSpan.FromMilliseconds(60),
            MaxConnectionAge = TimeSpan.FromMilliseconds(400),
        });
        await using var node = await StartNode(ground);

        var completed = (await node.RunTurnAsync("c-age", "go tools:2 rounds:8")).Completed();

        Assert.Contains("calls=16 outputs=16 missing=0 duplicates=0", completed.Text);
        var sent = ground.Requests();
        Assert.True(sent.Select(r => r.ConnectionId).Distinct().Count() >= 2, "the conversation never changed connection");
        // The first request on each new connection starts a new chain.
        foreach (var (previous, next) in sent.Zip(sent.Skip(1)).Where(p => p.Item1.ConnectionId != p.Item2.ConnectionId))
            Assert.True(next.PreviousResponseId is null, $"request after connection {previous.ConnectionId} continued on {next.ConnectionId}");
    }

    [Fact]
    public async Task A_retiring_connection_keeps_serving_the_turn_that_holds_a_lane_on_it_but_takes_no_new_one()
    {
        await using var ground = await Ground(EmulatorFaults.None);
        // The socket retires right after it connects, but the lease was granted when it opened: its holder drains.
        await using var node = await StartNode(ground, connections: c => c with { MaxAge = TimeSpan.FromMilliseconds(1), MaxAgeJitter = 0, MaxDrain = TimeSpan.FromMinutes(2) });

        var first = (await node.RunTurnAsync("c-drain", "go tools:2 rounds:3")).Completed();
        // Its retirement is a timer of the socket's, which a fast first turn can outrun: once retired and drained, the
        // socket closes its connection, and only then is the next lease sure to go elsewhere.
        await WhenAConnectionHasEnded(ground.Emulator);
        var second = (await node.RunTurnAsync("c-drain", "again tools:1")).Completed();

        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", first.Text);
        Assert.Contains("calls=7 outputs=7 missing=0 duplicates=0", second.Text);
        var sent = ground.Requests();
        Assert.Single(sent.Take(4).Select(r => r.ConnectionId).Distinct());
        Assert.All(sent.Skip(1).Take(3), r => Assert.NotNull(r.PreviousResponseId));
        // Its lane released at the end of the turn, the retired socket leases it no more: the next turn starts a new chain elsewhere.
        Assert.NotEqual(sent[0].ConnectionId, sent[4].ConnectionId);
        Assert.Null(sent[4].PreviousResponseId);
        Assert.Equal(0, ground.Emulator.Counters.ConnectionLimitsReached);
    }

    [Fact]
    public async Task With_warm_up_the_first_turn_of_a_created_conversation_continues_the_prepared_context()
    {
        await using var ground = await Ground(EmulatorFaults.None);
        await using var node = await StartNode(ground, warmUp: true);

        await node.Client.CreateAsync("c-warm");
        var completed = (await node.RunTurnAsync("c-warm", "go tools:2")).Completed();

        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", completed.Text);
        var sent = ground.Requests();
        Assert.Equal(3, sent.Count);
        // generate:false with instructions and tools only; then the user's message alone, continuing it.
        Assert.Null(sent[0].PreviousResponseId);
        Assert.Equal(0, sent[0].InputItems);
        Assert.All(sent.Skip(1), r => Assert.NotNull(r.PreviousResponseId));
        Assert.Equal(1, sent[1].InputItems);
        Assert.Equal(3, ground.Emulator.Counters.Continuations + ground.Emulator.Counters.FullSends);
        Assert.Equal(2, ground.Emulator.Counters.Continuations);
    }

    [Fact]
    public async Task With_store_true_a_new_connection_continues_the_chain()
    {
        await using var ground = await Ground(EmulatorFaults.None);
        await using (var first = await StartNode(ground, store: true))
        {
            Assert.Contains("calls=2 outputs=2", (await first.RunTurnAsync("c-store", "go tools:2")).Completed().Text);
        }
        var before = ground.Requests().Count;

        await using var second = await StartNode(ground, store: true);
        var completed = (await second.RunTurnAsync("c-store", "again tools:1")).Completed();

        Assert.Contains("calls=3 outputs=3 missing=0 duplicates=0", completed.Text);
        Assert.Equal(0, completed.Stats.FullSends);
        var resumed = ground.Requests().Skip(before).ToList();
        Assert.All(resumed, r => Assert.NotNull(r.PreviousResponseId));
        Assert.NotEqual(ground.Requests()[before - 1].ConnectionId, resumed[0].ConnectionId);
    }

    private static Task<EmulatorAndJournal> Ground(EmulatorFaults faults) =>
        EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true, Faults = faults });

    private static Task<OrchestratorNode> StartNode(EmulatorAndJournal ground, bool store = false, Func<ConnectionLimits, ConnectionLimits>? connections = null, bool warmUp = false) =>
        ground.StartNodeAsync(s => s with
        {
            Connections = (connections ?? (c => c))(s.Connections),
            Conversation = s.Conversation with
            {
                Defaults = s.Defaults with { Store = store },
                RetryMinBackoff = TimeSpan.FromMilliseconds(20),
                WarmUp = warmUp,
            },
        });

    private static Task WhenAConnectionHasEnded(EmulatorServer emulator) =>
        Poll.UntilAsync(() => emulator.Counters.ConnectionsEnded > 0, TimeSpan.FromSeconds(30),
            () => "the retired socket did not close its connection within 30 s");
}
