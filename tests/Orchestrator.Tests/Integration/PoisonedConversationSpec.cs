using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Conversations;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// What a hostile client cannot do to a conversation: queue input that makes every later request too large, or make
/// one message run tools and write the journal without end. Real node, SQLite journal, the emulator with a small frame
/// limit (<see cref="FrameLimit"/>) so that a few tens of kilobytes are "too large".
/// </summary>
public sealed class PoisonedConversationSpec : IAsyncLifetime
{
    private const int FrameLimit = 64 * 1024;
    private const int QueuedMessages = 40;

    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EmulatorServer? _emulator;
    private TestJournal _journal = null!;

    public async Task InitializeAsync() => _journal = await TestJournal.CreateAsync(JournalKind.Sqlite);

    public async Task DisposeAsync()
    {
        _gate.TrySetResult();
        if (_emulator is not null) await _emulator.DisposeAsync();
        await _journal.DisposeAsync();
    }

    /// <summary>The emulator, with the small frame limit when the test is about requests that do not fit.</summary>
    private async Task<EmulatorServer> StartEmulator(bool smallFrames) =>
        _emulator = await EmulatorServer.StartAsync(smallFrames ? new EmulatorOptions { MaxMessageBytes = FrameLimit } : new EmulatorOptions());

    [Fact]
    public async Task Forty_large_queued_messages_fail_their_turn_with_the_reason_and_the_next_message_is_answered_also_after_a_restart()
    {
        var emulator = await StartEmulator(smallFrames: true);
        await using (var node = await StartHoldingNode(emulator))
        {
            // Each message fits; forty of them sent together do not, nor do the three the compaction keeps verbatim.
            var failed = await QueueAndRunAsync(node, "c-poison", messageBytes: 30_000);

            var reason = Assert.IsType<TurnFailed>(failed).Reason;
            Assert.Contains("too large", reason);
            Assert.Contains("message_too_large", reason);
            Assert.Contains("even compacted", reason);
            Assert.Equal(1, emulator.Counters.Compactions);

            var next = (await node.RunTurnAsync("c-poison", "are you still there?")).Completed();
            Assert.Contains("are you still there?", next.Text);
        }

        await using var restarted = await TestNodes.StartAsync(_journal, emulator.ResponsesUrl);
        var afterRestart = (await restarted.RunTurnAsync("c-poison", "and after a restart?")).Completed();
        Assert.Contains("and after a restart?", afterRestart.Text);
    }

    [Fact]
    public async Task A_request_refused_as_too_large_is_compacted_and_sent_again()
    {
        var emulator = await StartEmulator(smallFrames: true);
        await using var node = await StartHoldingNode(emulator);

        // Forty messages of 4 KB are over the frame limit together; the three the compaction keeps are not.
        var answered = await QueueAndRunAsync(node, "c-compact-retry", messageBytes: 4_000);

        var completed = Assert.IsType<TurnCompleted>(answered);
        Assert.Contains($"message {QueuedMessages - 1}", completed.Text);
        Assert.Equal(1, emulator.Counters.Compactions);
    }

    [Fact]
    public async Task The_amplification_message_ends_at_the_tool_call_cap_with_a_bounded_journal_and_the_next_turn_works()
    {
        var emulator = await StartEmulator(smallFrames: false);
        await using var node = await TestNodes.StartAsync(_journal, emulator.ResponsesUrl, configure: s => s with
        {
            // The emulator asks for 256 calls a round: the fifth round passes 1,100. A low compaction threshold makes
            // every round due for compaction, as the runaway window was.
            Conversation = s.Conversation with { MaxToolCallsPerTurn = 1_100, CompactAtInputTokens = 1_500, MaxCompactionsPerTurn = 2 },
        });

        var updates = await node.RunTurnAsync("c-amplify", "tools:99999999999 rounds:99999999999");

        var failed = Assert.IsType<TurnFailed>(updates[^1]);
        Assert.Contains("max-tool-calls-per-turn", failed.Reason);
        Assert.Equal(4 * 256, updates.OfType<ToolCallFinished>().Count());
        Assert.Equal(2, emulator.Counters.Compactions);
        var (rows, bytes) = await JournalSizeAsync("conversation-c-amplify");
        // Started, message, 5 responses, 1,024 results, 256 not-run outputs, 2 compactions, abandoned: 1,290.
        Assert.Equal(1_290, rows);
        Assert.True(bytes < 2_000_000, $"the journal holds {bytes} bytes");

        // Every call of the chain has its output (the unrun ones an error): the next request is valid.
        var next = (await node.RunTurnAsync("c-amplify", "one more tools:1")).Completed();
        Assert.Contains("missing=0 duplicates=0", next.Text);
    }

    [Fact]
    public async Task A_turn_ends_at_the_round_cap_and_the_next_turn_works()
    {
        var emulator = await StartEmulator(smallFrames: false);
        await using var node = await TestNodes.StartAsync(_journal, emulator.ResponsesUrl, configure: s => s with
        {
            Conversation = s.Conversation with { MaxRoundsPerTurn = 3 },
        });

        var updates = await node.RunTurnAsync("c-rounds", "weather tools:2 rounds:1000");

        var failed = Assert.IsType<TurnFailed>(updates[^1]);
        Assert.Contains("cap of 3 model responses", failed.Reason);
        Assert.Contains("max-rounds-per-turn", failed.Reason);
        Assert.Equal(4, updates.OfType<ToolCallFinished>().Count());
        var next = (await node.RunTurnAsync("c-rounds", "and now tools:1")).Completed();
        Assert.Contains("calls=7 outputs=7 missing=0 duplicates=0", next.Text);
    }

    /// <summary>
    /// Holds a first turn in its tool, queues <see cref="QueuedMessages"/> messages of <paramref name="messageBytes"/>
    /// behind it, lets it finish, and returns how the turn that answers the queued messages ended.
    /// </summary>
    private async Task<ConversationUpdate> QueueAndRunAsync(OrchestratorNode node, string conversationId, int messageBytes)
    {
        using var timeout = new CancellationTokenSource(TestNodes.TurnTimeout);
        var first = node.RunTurnAsync(conversationId, "hold on tools:1");
        await _held.Task.WaitAsync(timeout.Token);
        for (var i = 0; i < QueuedMessages - 1; i++) await node.Client.PostAsync(conversationId, Message(i, messageBytes), cancellationToken: timeout.Token);
        Assert.Equal(QueuedMessages - 1, (await node.Client.GetStatusAsync(conversationId, timeout.Token)).QueuedMessages);
        var last = Collect(node.Client.SendAsync(conversationId, Message(QueuedMessages - 1, messageBytes), cancellationToken: timeout.Token));
        await Poll.UntilAsync(
            async () => (await node.Client.GetStatusAsync(conversationId, timeout.Token)).QueuedMessages == QueuedMessages,
            TestNodes.TurnTimeout,
            () => "the last message was not queued");
        _gate.SetResult();

        (await first).Completed();
        return (await last)[^1];
    }

    private static string Message(int index, int bytes) => $"message {index} " + new string('x', bytes);

    private static async Task<List<ConversationUpdate>> Collect(IAsyncEnumerable<ConversationUpdate> updates)
    {
        var list = new List<ConversationUpdate>();
        await foreach (var update in updates) list.Add(update);
        return list;
    }

    /// <summary>A node whose only tool, <c>hold</c>, waits for the test's gate, with room to queue every message.</summary>
    private Task<OrchestratorNode> StartHoldingNode(EmulatorServer emulator)
    {
        var tools = new ToolRegistry().Add<HoldArgs, string>("hold", "Waits for the test.", async (_, ct) =>
        {
            _held.TrySetResult();
            await _gate.Task.WaitAsync(ct);
            return "released";
        });
        var settings = OrchestratorSettings.Load(_journal.Environment(), _journal.DataDirectory, emulator.ResponsesUrl.ToString());
        return OrchestratorNode.StartAsync(settings with
        {
            Conversation = settings.Conversation with { MaxQueuedMessages = 64, MaxQueuedBytes = 16 * 1024 * 1024 },
        }, tools);
    }

    private async Task<(long Rows, long Bytes)> JournalSizeAsync(string persistenceId)
    {
        await using var connection = await _journal.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(SUM(LENGTH(message)), 0) FROM journal WHERE persistence_id = $id";
        var id = command.CreateParameter();
        id.ParameterName = "$id";
        id.Value = persistenceId;
        command.Parameters.Add(id);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public sealed record HoldArgs(string Note);
}
