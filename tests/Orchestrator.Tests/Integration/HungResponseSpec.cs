using System.Diagnostics;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Messages.Conversations;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// A response that sends <c>response.created</c> and <c>response.in_progress</c>, then nothing, on a connection that
/// stays open (the emulator's hang fault): the turn neither waits for it forever nor runs a tool twice.
/// </summary>
public sealed class HungResponseSpec
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(1);
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_hung_response_is_resent_in_full_on_another_connection_after_the_idle_timeout_and_no_tool_runs_twice(int lanes)
    {
        // Request 3 continues the second round of tools.
        await using var ground = await Ground(hangOn: 3);
        await using var node = await StartNode(ground, IdleTimeout, lanes: lanes);

        var updates = await node.RunTurnAsync("c-hung", "go tools:2 rounds:3");
        var finished = DateTimeOffset.UtcNow;

        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", updates.Completed().Text);
        var sent = ground.Requests();
        // Timed from the hung request, as the first turn of a process spends seconds warming up before it.
        Assert.True(finished - sent[2].Time < IdleTimeout + TimeSpan.FromSeconds(3), $"the turn ended {finished - sent[2].Time} after the hung request");
        var started = updates.OfType<ToolCallStarted>().Select(s => s.CallId).ToList();
        Assert.Equal(6, started.Count);
        Assert.Equal(6, started.Distinct().Count());
        Assert.Equal(1, ground.Emulator.Counters.HangsInjected);
        Assert.Equal(5, sent.Count);
        Assert.NotNull(sent[2].PreviousResponseId);
        Assert.Equal(lanes > 1, sent[2].StreamId is not null);
        // The stalled request again, whole, on a new connection; the chain goes on from there.
        Assert.Null(sent[3].PreviousResponseId);
        Assert.NotEqual(sent[2].ConnectionId, sent[3].ConnectionId);
        Assert.NotNull(sent[4].PreviousResponseId);
    }

    [Fact]
    public async Task A_conversation_sharing_the_stalled_connection_moves_to_another_and_both_turns_finish()
    {
        // Two conversations on lanes of one connection, each response taking 300 ms: whichever sends request 3 hangs,
        // and when its stall retires the connection, about a second later, the other is a few rounds into its turn.
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions
        {
            RecordTraffic = true,
            ModelLatency = TimeSpan.FromMilliseconds(300),
            Faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 3 } },
        });
        await using var node = await StartNode(ground, IdleTimeout, lanes: 4);

        var turns = await Task.WhenAll(node.RunTurnAsync("c-shared-a", "go tools:1 rounds:10"), node.RunTurnAsync("c-shared-b", "go tools:1 rounds:10"));

        var sent = ground.Requests();
        Assert.Equal(sent[0].ConnectionId, sent[1].ConnectionId);
        foreach (var updates in turns)
        {
            var completed = updates.Completed();
            Assert.Contains("calls=10 outputs=10 missing=0 duplicates=0", completed.Text);
            Assert.Equal(10, updates.OfType<ToolCallStarted>().Select(s => s.CallId).Distinct().Count());
            // The first request, and one more on a new connection: the resend of the stalled one, or the other's next request.
            Assert.Equal(2, completed.Stats.FullSends);
        }
    }

    [Fact]
    public async Task A_response_that_hangs_on_every_attempt_fails_the_turn_saying_it_stalled()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true, Faults = new EmulatorFaults { HangProbability = 1 } });
        await using var node = await StartNode(ground, TimeSpan.FromMilliseconds(200), maxSendAttempts: 2);

        var failed = Assert.IsType<TurnFailed>((await node.RunTurnAsync("c-always-hung", "hello")).Last());

        Assert.Contains("stalled", failed.Reason);
        Assert.Equal(2, ground.Requests().Count);
    }

    [Fact]
    public async Task Cancelling_during_a_hung_response_ends_the_turn_within_a_second_and_the_next_turn_runs()
    {
        await using var ground = await Ground(hangOn: 1);
        // The idle timeout is far away: only the cancel can end this turn in time.
        await using var node = await StartNode(ground, TimeSpan.FromMinutes(1));
        using var timeout = new CancellationTokenSource(TestNodes.TurnTimeout);

        var turn = node.RunTurnAsync("c-cancel-hung", "hello");
        await Poll.UntilAsync(() => ground.Emulator.Counters.HangsOpen == 1 || turn.IsCompleted, TestNodes.TurnTimeout, () => "the response never hung");
        var clock = Stopwatch.StartNew();
        Assert.True(await node.Client.CancelTurnAsync("c-cancel-hung", timeout.Token));
        var updates = await turn;
        clock.Stop();

        Assert.Contains("cancelled", Assert.IsType<TurnFailed>(updates[^1]).Reason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the cancel took {clock.Elapsed}");
        // The hung lane is still held for its response: the next turn starts a new chain elsewhere.
        var next = (await node.RunTurnAsync("c-cancel-hung", "again")).Completed();
        Assert.Contains("You said: \"again\"", next.Text);
        var sent = ground.Requests();
        Assert.Null(sent[1].PreviousResponseId);
        Assert.NotEqual(sent[0].ConnectionId, sent[1].ConnectionId);
    }

    private static Task<EmulatorAndJournal> Ground(long hangOn) =>
        EmulatorAndJournal.StartAsync(new EmulatorOptions { RecordTraffic = true, Faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { hangOn } } });

    private static Task<OrchestratorNode> StartNode(EmulatorAndJournal ground, TimeSpan idleTimeout, int maxSendAttempts = 6, int lanes = 1) =>
        ground.StartNodeAsync(s => s with
        {
            Connections = s.Connections with { ResponseIdleTimeout = idleTimeout, LanesPerConnection = lanes },
            Conversation = s.Conversation with { RetryMinBackoff = TimeSpan.FromMilliseconds(20), MaxSendAttempts = maxSendAttempts },
        });
}
