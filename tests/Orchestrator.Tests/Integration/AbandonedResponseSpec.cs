using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Messages.Conversations;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// A response the engine stopped waiting for (a cancel, a delete) keeps its lane busy on the server until it ends: the
/// lane must not be leased again meanwhile, or the next turn's sends are refused as "lane busy" until it gives up.
/// One lane per socket, and responses that hang for longer than the turn's whole retry budget.
/// </summary>
public sealed class AbandonedResponseSpec
{
    [Fact]
    public async Task Two_turns_cancelled_while_their_responses_hang_leave_the_next_turn_a_free_lane()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { Faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1, 2 } } });
        await using var node = await StartNode(ground);
        using var timeout = new CancellationTokenSource(TestNodes.TurnTimeout);

        for (var hang = 1; hang <= 2; hang++)
        {
            var turn = node.RunTurnAsync("c-two-cancels", $"hello {hang}");
            var hung = hang;
            await Poll.UntilAsync(() => ground.Emulator.Counters.HangsOpen == hung || turn.IsCompleted, TestNodes.TurnTimeout, () => "the response never hung");
            Assert.True(await node.Client.CancelTurnAsync("c-two-cancels", timeout.Token));
            Assert.IsType<TurnFailed>((await turn)[^1]);
        }

        Assert.Contains("You said: \"third\"", (await node.RunTurnAsync("c-two-cancels", "third")).Completed().Text);
    }

    [Fact]
    public async Task A_delete_while_the_response_hangs_ends_the_turn_and_the_id_starts_over_on_a_free_lane()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { Faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1 } } });
        await using var node = await StartNode(ground);
        using var timeout = new CancellationTokenSource(TestNodes.TurnTimeout);

        var turn = node.RunTurnAsync("c-delete-hung", "hello");
        await Poll.UntilAsync(() => ground.Emulator.Counters.HangsOpen == 1 || turn.IsCompleted, TestNodes.TurnTimeout, () => "the response never hung");
        Assert.True(await node.Client.DeleteAsync("c-delete-hung", timeout.Token));
        var ended = Assert.IsType<TurnFailed>((await turn.WaitAsync(TimeSpan.FromSeconds(10)))[^1]);
        Assert.Equal("the conversation was deleted", ended.Reason);

        Assert.Contains("You said: \"after delete\"", (await node.RunTurnAsync("c-delete-hung", "after delete")).Completed().Text);
    }

    private static Task<OrchestratorNode> StartNode(EmulatorAndJournal ground) =>
        ground.StartNodeAsync(s => s with
        {
            Connections = s.Connections with { ResponseIdleTimeout = TimeSpan.FromMinutes(1), LanesPerConnection = 1 },
            Conversation = s.Conversation with { RetryMinBackoff = TimeSpan.FromMilliseconds(20) },
        });
}
