using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Protocol;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// Steering against the emulator, one test per path: a message sent while a response streams reaches the model once,
/// in that turn when the server takes it, in the next when it does not, and the digest counts every call exactly.
/// </summary>
public sealed class SteeringSpec
{
    private const string Model = "gpt-6-steerable";

    // Long enough for the steer to reach the emulator while the response is still before its output on a loaded
    // machine; a steer takes milliseconds over loopback.
    private static readonly TimeSpan Latency = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task A_message_before_the_answer_ends_the_response_as_steered_and_its_successor_answers_it_in_the_same_turn()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { ModelLatency = Latency, RecordTraffic = true });
        await using var node = await StartNode(ground);

        var first = await node.Client.PostAsync("c-steer-incomplete", "first question");
        var done = (await node.RunTurnAsync("c-steer-incomplete", "change of plan tools:1")).Completed();

        Assert.Contains(first.MessageId, done.MessageIds);
        Assert.Equal(2, done.MessageIds.Count);
        Assert.Contains("calls=1 outputs=1 missing=0 duplicates=0", done.Text);
        Assert.Equal(1, ground.Emulator.Counters.SteersAccepted);
        var window = (await node.Client.GetTranscriptAsync("c-steer-incomplete")).Window;
        Assert.Equal(1, UserMessages(window, "change of plan tools:1"));
        // The steered message reached the model only through the steer: no request carried it again.
        Assert.Equal(2, ground.Requests().Count);
        Assert.Equal(1, ground.Emulator.Traffic.Count(r => r.Type == "response.steer"));
    }

    [Fact]
    public async Task A_message_while_the_answer_streams_is_reported_as_steering_and_follows_the_completed_answer()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { TokenLatency = TimeSpan.FromMilliseconds(250) });
        await using var node = await StartNode(ground);
        using var timeout = new CancellationTokenSource(TestNodes.TurnTimeout);

        MessageAccepted? steered = null;
        TurnCompleted? done = null;
        await foreach (var update in node.Client.SendAsync("c-steer-complete", "tell me about the weather in several words please", cancellationToken: timeout.Token))
        {
            if (update is AssistantTextDelta && steered is null) steered = await node.Client.PostAsync("c-steer-complete", "and in Oslo?", cancellationToken: timeout.Token);
            if (update is TurnCompleted completed) done = completed;
        }

        Assert.Equal(MessageDeliveries.Steering, steered!.Delivery);
        Assert.Contains(steered.MessageId, done!.MessageIds);
        Assert.Contains("and in Oslo?", done.Text);
        var window = (await node.Client.GetTranscriptAsync("c-steer-complete")).Window;
        Assert.Equal(["message", "message", "message", "message"], window.Select(i => i.Type));
        Assert.Contains("several words", window[1].Text);
        Assert.Equal("and in Oslo?", window[2].Text);
        Assert.Equal(1, UserMessages(window, "and in Oslo?"));
    }

    [Fact]
    public async Task A_message_behind_tool_calls_waits_pending_and_joins_the_continuation_with_the_recorded_results()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { ModelLatency = Latency, RecordTraffic = true });
        await using var node = await StartNode(ground);

        var first = await node.Client.PostAsync("c-steer-pending", "weather tools:2");
        var done = (await node.RunTurnAsync("c-steer-pending", "also tools:1")).Completed();

        Assert.Contains(first.MessageId, done.MessageIds);
        Assert.Contains("calls=3 outputs=3 missing=0 duplicates=0", done.Text);
        var window = (await node.Client.GetTranscriptAsync("c-steer-pending")).Window;
        Assert.Equal(1, UserMessages(window, "also tools:1"));
        var steered = window.ToList().FindIndex(i => i.Text == "also tools:1");
        Assert.Equal(ItemTypes.FunctionCallOutput, window[steered - 1].Type);
        Assert.Equal(1, ground.Emulator.Counters.SteersAccepted);
        // The continuation carried the two results only; the server added the pending message.
        Assert.Equal(2, ground.Requests()[1].InputItems);
    }

    [Fact]
    public async Task On_a_model_without_steering_the_message_runs_as_the_next_turn_once_and_the_model_is_remembered()
    {
        var options = new EmulatorOptions { ModelLatency = Latency, RecordTraffic = true, ModelsWithoutSteering = new HashSet<string> { Model } };
        await using var ground = await EmulatorAndJournal.StartAsync(options);
        await using var node = await StartNode(ground);

        var first = await node.Client.PostAsync("c-no-steer", "first question");
        var updates = await node.RunTurnAsync("c-no-steer", "next tools:1");

        var turns = updates.OfType<TurnCompleted>().ToList();
        Assert.Equal([first.MessageId], turns[0].MessageIds);
        Assert.Single(turns[^1].MessageIds);
        Assert.Contains("calls=1 outputs=1 missing=0 duplicates=0", turns[^1].Text);
        Assert.Equal(1, ground.Emulator.Counters.SteersFailed);
        Assert.Equal(1, UserMessages((await node.Client.GetTranscriptAsync("c-no-steer")).Window, "next tools:1"));

        // Remembered for the model on this node: the next mid-turn message is queued without asking.
        await node.Client.PostAsync("c-no-steer", "third");
        var queued = await node.Client.PostAsync("c-no-steer", "fourth");
        Assert.Equal(MessageDeliveries.Queued, queued.Delivery);
        await Poll.UntilAsync(async () => (await node.Client.GetStatusAsync("c-no-steer")).Phase == "Idle", TestNodes.TurnTimeout, () => "the conversation did not finish");
        Assert.Equal(1, ground.Emulator.Traffic.Count(r => r.Type == "response.steer"));
        Assert.Equal(1, UserMessages((await node.Client.GetTranscriptAsync("c-no-steer")).Window, "fourth"));
    }

    [Fact]
    public async Task With_steering_off_a_mid_turn_message_is_queued_and_never_steered()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { ModelLatency = Latency, RecordTraffic = true });
        await using var node = await StartNode(ground, steering: false);

        await node.Client.PostAsync("c-steer-off", "first question");
        var queued = await node.Client.PostAsync("c-steer-off", "second");
        await Poll.UntilAsync(async () => (await node.Client.GetStatusAsync("c-steer-off")).Phase == "Idle", TestNodes.TurnTimeout, () => "the conversation did not finish");

        Assert.Equal(MessageDeliveries.Queued, queued.Delivery);
        Assert.DoesNotContain(ground.Emulator.Traffic, r => r.Type == "response.steer");
        Assert.Equal(2, ground.Requests().Count);
    }

    private static Task<OrchestratorNode> StartNode(EmulatorAndJournal ground, bool steering = true) =>
        ground.StartNodeAsync(s => s with
        {
            Conversation = s.Conversation with { Steering = steering, Defaults = s.Conversation.Defaults with { Model = Model } },
        });

    private static int UserMessages(IReadOnlyList<Item> window, string text) =>
        window.Count(i => i.Type == ItemTypes.Message && i.Role == "user" && i.Text == text);
}
