using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orchestrator.Tests.Conversation;

/// <summary>
/// The conversation actor against probes standing in for the connection manager and the socket, on the
/// in-memory journal (<see cref="HeldWritesJournal"/>, which can hold writes): what it sends, what it records, how it
/// recovers. The probes play the server.
/// </summary>
public sealed class ConversationActorSpec : TestKit
{
    private const string Hocon = """
        akka.loglevel = INFO
        akka.persistence.journal.plugin = "held-journal"
        held-journal {
          class = "Orchestrator.Tests.Support.HeldWritesJournal, Orchestrator.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "held-snapshot-store"
        held-snapshot-store {
          class = "Orchestrator.Tests.Support.HeldSnapshotStore, Orchestrator.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TestProbe _manager;
    private readonly TestProbe _socket;
    private readonly TestProbe _subscriber;
    private readonly ConcurrentCounter _runs = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _leaseId;

    public ConversationActorSpec(ITestOutputHelper output) : base(Hocon, output)
    {
        _manager = CreateTestProbe("manager");
        _socket = CreateTestProbe("socket");
        _subscriber = CreateTestProbe("subscriber");
    }

    [Fact]
    public void Failing_tools_each_yield_an_error_output_and_the_turn_completes()
    {
        var conversation = StartConversation("c-errors");
        Send(conversation, "use the tools");
        var lease = GrantLane(cachedResponseId: null);
        var first = ExpectRequest();
        Assert.False(first.RootElement.TryGetProperty("previous_response_id", out _));

        Reply(lease, Completed("resp_1",
            Call("call_1", "explode", """{"reason":"boom"}"""),
            Call("call_2", "hang", "{}"),
            Call("call_3", "no_such_tool", "{}"),
            Call("call_4", "calculate", "{not json")));

        var finished = Enumerable.Range(0, 4).Select(_ => _subscriber.FishForMessage<ToolCallFinished>(_ => true, Wait)).ToList();
        Assert.All(finished, f => Assert.True(f.IsError, $"{f.Name} should have failed: {f.Output}"));
        Assert.Contains("threw", OutputOf(finished, "call_1"));
        Assert.Contains("timed_out", OutputOf(finished, "call_2"));
        Assert.Contains("unknown_tool", OutputOf(finished, "call_3"));
        Assert.Contains("invalid_arguments", OutputOf(finished, "call_4"));

        using var continuation = ExpectRequest();
        Assert.Equal("resp_1", continuation.RootElement.GetProperty("previous_response_id").GetString());
        var outputs = continuation.RootElement.GetProperty("input").EnumerateArray().ToList();
        Assert.Equal(["call_1", "call_2", "call_3", "call_4"], outputs.Select(o => o.GetProperty("call_id").GetString()));
        Assert.All(outputs, o => Assert.Equal("function_call_output", o.GetProperty("type").GetString()));

        Reply(lease, Completed("resp_2", Message("All four tools failed.")));
        var completed = _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
        Assert.Equal("All four tools failed.", completed.Text);
        Assert.Equal(4, completed.Stats.ToolCalls);
        Assert.Equal(1, completed.Stats.Continuations);
        Assert.Equal("resp_2", _manager.ExpectMsg<ReleaseLane>(Wait).LastResponseId);
    }

    [Fact]
    public void Tool_outputs_are_sent_in_call_order_whatever_order_they_finish_in()
    {
        var conversation = StartConversation("c-order");
        Send(conversation, "go");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        // call_a waits for the gate, so call_b finishes first.
        Reply(lease, Completed("resp_1", Call("call_a", "gated", "{}"), Call("call_b", "calculate", """{"a":1,"b":2,"operation":"add"}""")));
        Assert.Equal("call_b", _subscriber.FishForMessage<ToolCallFinished>(_ => true, Wait).CallId);
        _gate.SetResult();

        using var continuation = ExpectRequest();
        var ids = continuation.RootElement.GetProperty("input").EnumerateArray().Select(o => o.GetProperty("call_id").GetString());
        Assert.Equal(["call_a", "call_b"], ids);
    }

    [Theory]
    [InlineData(400, ErrorCodes.PreviousResponseNotFound)]
    // Any error evicts the continued parent from the lane's cache: continuing it again could only earn previous_response_not_found.
    [InlineData(500, "server_error")]
    public void An_error_answering_a_continuation_leads_to_one_full_resend_of_the_window(int status, string code)
    {
        var (_, lease) = StartUpToTheContinuation("c-error-" + code);

        Reply(lease, new ServerErrorEvent(0, new ApiError(status, code, "The server lost it.")));

        using var full = ExpectRequest();
        Assert.False(full.RootElement.TryGetProperty("previous_response_id", out _));
        var types = full.RootElement.GetProperty("input").EnumerateArray().Select(i => i.GetProperty("type").GetString());
        Assert.Equal(["message", "function_call", "function_call_output"], types);

        Reply(lease, Completed("resp_2", Message("ok")));
        var completed = _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
        Assert.Equal(1, completed.Stats.ChainResets);
        Assert.Equal(2, completed.Stats.FullSends);
    }

    [Fact]
    public void A_lost_connection_mid_response_discards_partial_output_and_resends_in_full_on_a_new_lane()
    {
        var (conversation, lease) = StartUpToTheContinuation("c-transport");
        Reply(lease, new OutputTextDeltaEvent(0, "msg_x", 0, "partial"));
        conversation.Tell(new ModelRequestFailed(lease, "receive failed"), _socket.Ref);

        // The failed lane is given back (a manager that already freed it with its socket ignores this).
        Assert.Null(_manager.ExpectMsg<ReleaseLane>(r => r.LeaseId == lease, Wait).LastResponseId);
        var second = GrantLane(cachedResponseId: null);
        using var resend = ExpectRequest();
        Assert.False(resend.RootElement.TryGetProperty("previous_response_id", out _));
        Assert.Equal(3, resend.RootElement.GetProperty("input").GetArrayLength());

        Reply(second, Completed("resp_2", Message("recovered")));
        Assert.Equal("recovered", _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait).Text);
    }

    [Fact]
    public void A_turn_abandoned_after_an_error_answering_a_continuation_leaves_the_next_turn_a_full_send()
    {
        var (conversation, again) = StartSecondTurnOnTheWarmLane("c-rejected-continuation");
        Reply(again, new ServerErrorEvent(0, new ApiError(400, "invalid_request_error", "Unknown parameter.")));
        _subscriber.FishForMessage<TurnFailed>(_ => true, Wait);
        _manager.ExpectMsg<ReleaseLane>(Wait);

        Send(conversation, "third");
        GrantLane("resp_1");
        using var next = ExpectRequest();
        Assert.False(next.RootElement.TryGetProperty("previous_response_id", out _));
    }

    [Fact]
    public void A_stalled_response_is_resent_in_full_on_another_lane_even_one_that_looks_warm()
    {
        var (conversation, lease) = StartUpToTheContinuation("c-stall");
        Reply(lease, new OutputTextDeltaEvent(0, "msg_x", 0, "partial"));
        conversation.Tell(new ModelRequestFailed(lease, "the response stalled: no event from the server for 1 s", Stalled: true), _socket.Ref);

        // Cold: whatever the server made of the stalled continuation, nobody is warm on that lane any more.
        var released = _manager.ExpectMsg<ReleaseLane>(r => r.LeaseId == lease, Wait);
        Assert.Null(released.LastResponseId);
        Assert.True(released.Cold);
        var second = GrantLane(cachedResponseId: "resp_1");
        using var resend = ExpectRequest();
        Assert.False(resend.RootElement.TryGetProperty("previous_response_id", out _));
        Assert.Equal(3, resend.RootElement.GetProperty("input").GetArrayLength());

        Reply(second, Completed("resp_2", Message("recovered")));
        var completed = _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
        Assert.Equal("recovered", completed.Text);
        Assert.Equal(1, completed.Stats.ChainResets);
    }

    [Fact]
    public void A_response_that_stalls_on_every_attempt_fails_the_turn_with_a_reason_that_says_it_stalled()
    {
        var conversation = StartConversation("c-stall-always");
        Send(conversation, "go");
        // The default max-send-attempts.
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            var lease = GrantLane(null);
            ExpectRequest().Dispose();
            conversation.Tell(new ModelRequestFailed(lease, "the response stalled: no event from the server for 1 s", Stalled: true), _socket.Ref);
            _manager.ExpectMsg<ReleaseLane>(r => r.LeaseId == lease, Wait);
        }

        var failed = _subscriber.FishForMessage<TurnFailed>(_ => true, Wait);
        Assert.Contains("gave up after 6 failed attempts", failed.Reason);
        Assert.Contains("stalled", failed.Reason);
    }

    [Fact]
    public void Cancelling_while_a_response_is_in_flight_ends_the_turn_at_once_and_its_late_events_change_nothing()
    {
        var conversation = StartConversation("c-cancel-in-flight");
        Send(conversation, "go");
        var abandoned = GrantLane(cachedResponseId: null);
        ExpectRequest().Dispose();

        conversation.Tell(new CancelTurn("c-cancel-in-flight"));
        Assert.True(ExpectMsg<TurnCancelReply>(Wait).Cancelled);
        // Nothing came from the server: the turn ends without waiting for it.
        Assert.Contains("cancelled", _subscriber.FishForMessage<TurnFailed>(_ => true, Wait).Reason);

        // The abandoned lane is still busy on the server: the next turn asks for another lane (no release comes first).
        Send(conversation, "again");
        var next = GrantLane(cachedResponseId: null);
        using (var request = ExpectRequest())
        {
            Assert.False(request.RootElement.TryGetProperty("previous_response_id", out _));
            Assert.Equal(2, request.RootElement.GetProperty("input").GetArrayLength());
        }

        // The abandoned response streams on and ends: ignored, and only its end gives its lane back, holding that response.
        Reply(abandoned, new OutputTextDeltaEvent(0, "msg_late", 0, "late words"));
        Reply(abandoned, Completed("resp_late", Message("late words")));
        Assert.Equal(new ReleaseLane(abandoned, "resp_late"), _manager.ExpectMsg<ReleaseLane>(Wait));

        Reply(next, Completed("resp_2", Message("fresh")));
        var updates = new List<object>();
        _subscriber.FishForMessage(m => { updates.Add(m); return m is TurnCompleted; }, Wait);
        Assert.Equal("fresh", ((TurnCompleted)updates[^1]).Text);
        Assert.DoesNotContain(updates, u => u is AssistantTextDelta { Delta: "late words" });
        conversation.Tell(new GetConversationStatus("c-cancel-in-flight"));
        var status = ExpectMsg<ConversationStatus>(Wait);
        Assert.Equal("resp_2", status.LastResponseId);
        Assert.Equal(3, status.WindowItems);
    }

    [Fact]
    public void Cancelling_while_waiting_for_a_lane_ends_the_turn_at_once_and_a_late_grant_goes_back()
    {
        var conversation = StartConversation("c-cancel-lane");
        Send(conversation, "go");
        _manager.ExpectMsg<AcquireLane>(Wait);

        conversation.Tell(new CancelTurn("c-cancel-lane"));
        Assert.True(ExpectMsg<TurnCancelReply>(Wait).Cancelled);
        Assert.Contains("cancelled", _subscriber.FishForMessage<TurnFailed>(_ => true, Wait).Reason);

        _manager.Reply(new LaneGranted(new LaneLease(++_leaseId, _socket.Ref, SocketId: 1, Lane: 0, null)));
        Assert.Equal(_leaseId, _manager.ExpectMsg<ReleaseLane>(Wait).LeaseId);
    }

    [Fact]
    public void A_turn_granted_no_lane_within_the_lease_timeout_fails_and_a_late_grant_goes_back()
    {
        var conversation = StartConversation("c-lease-timeout", configure: o => o with { LeaseTimeout = TimeSpan.FromMilliseconds(300) });
        Send(conversation, "go");
        _manager.ExpectMsg<AcquireLane>(Wait);

        Assert.Contains("no lane was granted", _subscriber.FishForMessage<TurnFailed>(_ => true, Wait).Reason);

        _manager.Reply(new LaneGranted(new LaneLease(++_leaseId, _socket.Ref, SocketId: 1, Lane: 0, null)));
        Assert.Equal(_leaseId, _manager.ExpectMsg<ReleaseLane>(Wait).LeaseId);
        Send(conversation, "again");
        GrantLane(null);
        ExpectRequest().Dispose();
    }

    [Fact]
    public void A_compaction_that_does_not_answer_within_its_timeout_counts_as_failed_and_the_turn_goes_on_uncompacted()
    {
        var compactor = new SilentCompactor();
        var conversation = StartConversation("c-compaction-timeout",
            configure: o => o with { CompactAtInputTokens = 1000, CompactionTimeout = TimeSpan.FromMilliseconds(300) }, compactor: compactor);
        Send(conversation, "hello");
        var lease = GrantLane(cachedResponseId: null);
        ExpectRequest().Dispose();
        Reply(lease, new ResponseLifecycleEvent(ServerEventTypes.ResponseCompleted, 9, new ResponseObject { Id = "resp_1", Status = "completed", Output = [Message("Hi.")], Usage = new Usage { InputTokens = 5000 } }));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
        _manager.ExpectMsg<ReleaseLane>(Wait);

        Send(conversation, "more");
        var next = GrantLane(cachedResponseId: "resp_1");
        using var request = ExpectRequest();

        Assert.Equal(1, compactor.Calls);
        Assert.Equal("resp_1", request.RootElement.GetProperty("previous_response_id").GetString());
        Reply(next, Completed("resp_2", Message("Done.")));
        Assert.Equal("resp_2", _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait).ResponseId);
    }

    [Fact]
    public void A_message_that_arrives_mid_turn_is_queued_and_answered_by_the_next_turn()
    {
        var conversation = StartConversation("c-queue");
        var firstId = Send(conversation, "first");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        var secondId = Send(conversation, "second");

        Reply(lease, Completed("resp_1", Message("answer one")));
        Assert.Equal([firstId], _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait).MessageIds);
        Assert.Equal("resp_1", _manager.ExpectMsg<ReleaseLane>(Wait).LastResponseId);

        // The next turn re-leases; the lane still caches resp_1, so it continues with only the queued message.
        var next = GrantLane("resp_1");
        using var request = ExpectRequest();
        Assert.Equal("resp_1", request.RootElement.GetProperty("previous_response_id").GetString());
        Assert.Equal("second", request.RootElement.GetProperty("input")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Reply(next, Completed("resp_2", Message("answer two")));
        Assert.Equal([secondId], _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait).MessageIds);
    }

    [Fact]
    public void A_repeated_client_message_id_is_acknowledged_as_duplicate_and_starts_nothing()
    {
        var conversation = StartConversation("c-dedupe");
        conversation.Tell(new SendMessage("c-dedupe", "hello", "m-1"));
        Assert.False(ExpectMsg<MessageAccepted>(Wait).Duplicate);
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        Reply(lease, Completed("resp_1", Message("hi")));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);

        conversation.Tell(new SendMessage("c-dedupe", "hello", "m-1"));
        Assert.True(ExpectMsg<MessageAccepted>(Wait).Duplicate);
        conversation.Tell(new GetConversationStatus("c-dedupe"));
        var status = ExpectMsg<ConversationStatus>(Wait);
        Assert.Equal(nameof(ConversationPhase.Idle), status.Phase);
        Assert.Equal(2, status.WindowItems);
    }

    [Fact]
    public void Empty_messages_are_rejected()
    {
        var conversation = StartConversation("c-empty");
        conversation.Tell(new SendMessage("c-empty", "   "));
        Assert.Contains("empty", ExpectMsg<MessageRejected>(Wait).Reason);
        _manager.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void After_a_restart_only_calls_without_a_recorded_result_run_again_and_the_window_is_sent_in_full()
    {
        var conversation = StartConversation("c-recover");
        Send(conversation, "go");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        Reply(lease, Completed("resp_1", Call("call_fast", "count", "{}"), Call("call_slow", "gated", "{}")));
        Assert.Equal("call_fast", _subscriber.FishForMessage<ToolCallFinished>(_ => true, Wait).CallId);

        Watch(conversation);
        Sys.Stop(conversation);
        ExpectTerminated(conversation, Wait);

        StartConversation("c-recover");
        _gate.SetResult();

        var relet = GrantLane(null);
        using var full = ExpectRequest();
        Assert.False(full.RootElement.TryGetProperty("previous_response_id", out _));
        var outputs = full.RootElement.GetProperty("input").EnumerateArray()
            .Where(i => i.GetProperty("type").GetString() == "function_call_output")
            .Select(i => i.GetProperty("call_id").GetString());
        Assert.Equal(["call_fast", "call_slow"], outputs);
        Assert.Equal(1, _runs.Of("call_fast"));

        Reply(relet, Completed("resp_2", Message("done")));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
    }

    [Fact]
    public void The_lane_of_a_turns_last_response_goes_back_before_that_response_is_written()
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        journal.Tell(HeldWritesJournal.HoldResponses.Instance);
        var conversation = StartConversation("c-early");
        Send(conversation, "go tools:1");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();

        // A response with a call keeps the lane (the turn goes on there): nothing comes back while its write is held.
        Reply(lease, Completed("resp_1", Call("call_1", "hang", "{}")));
        _manager.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        journal.Tell(HeldWritesJournal.Release.Instance);
        _subscriber.FishForMessage<ToolCallStarted>(_ => true, Wait);
        conversation.Tell(Result("call_1"));
        ExpectRequest().Dispose();

        // The last response gives the lane back, with the response it caches, while its write is still held.
        Reply(lease, Completed("resp_2", Message("done")));
        Assert.Equal("resp_2", _manager.ExpectMsg<ReleaseLane>(r => r.LeaseId == lease, Wait).LastResponseId);

        journal.Tell(HeldWritesJournal.Release.Instance);
        Assert.Equal("done", _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait).Text);
        _manager.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Tool_results_that_arrive_while_one_is_being_written_are_written_together_in_the_next_write()
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var writes = CreateTestProbe("writes");
        Sys.EventStream.Subscribe(writes.Ref, typeof(HeldWritesJournal.Written));
        journal.Tell(HeldWritesJournal.Hold.Instance);
        var conversation = StartConversation("c-group");
        Send(conversation, "go");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        // The tools never finish by themselves: the test delivers their results, as the workers would.
        Reply(lease, Completed("resp_1", Call("call_1", "hang", "{}"), Call("call_2", "hang", "{}"), Call("call_3", "hang", "{}")));
        for (var i = 0; i < 3; i++) _subscriber.FishForMessage<ToolCallStarted>(_ => true, Wait);

        // The workers time out after 300 ms and report too; whichever result comes first is written alone at once.
        conversation.Tell(Result("call_1"));
        var first = ToolResultWrite(writes);
        Assert.Single(first);
        conversation.Tell(Result("call_2"));
        conversation.Tell(Result("call_3"));
        // Answered after both results were handled (same sender, so in order): Akka's persistence holds them back
        // behind the write in flight and sends them together when it completes.
        conversation.Tell(new GetConversationStatus("c-group"));
        ExpectMsg<ConversationStatus>(Wait);
        writes.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        journal.Tell(HeldWritesJournal.Release.Instance);
        var second = ToolResultWrite(writes);
        Assert.Equal(2, second.Count);
        Assert.Equal(["call_1", "call_2", "call_3"], first.Concat(second).Order());
        journal.Tell(HeldWritesJournal.Release.Instance);

        using var continuation = ExpectRequest();
        var ids = continuation.RootElement.GetProperty("input").EnumerateArray().Select(o => o.GetProperty("call_id").GetString());
        Assert.Equal(["call_1", "call_2", "call_3"], ids);
        var finished = Enumerable.Range(0, 3).Select(_ => _subscriber.FishForMessage<ToolCallFinished>(_ => true, Wait).CallId);
        Assert.Equal(["call_1", "call_2", "call_3"], finished.Order());
    }

    [Fact]
    public void With_warm_up_a_created_conversation_sends_generate_false_and_its_first_turn_continues_from_it()
    {
        var (conversation, lease) = CreateWarmingUp("c-warm");
        using (var warmUp = ExpectRequest())
        {
            Assert.False(warmUp.RootElement.GetProperty("generate").GetBoolean());
            Assert.Equal(0, warmUp.RootElement.GetProperty("input").GetArrayLength());
            Assert.Equal("be brief", warmUp.RootElement.GetProperty("instructions").GetString());
            Assert.NotEqual(0, warmUp.RootElement.GetProperty("tools").GetArrayLength());
        }
        Reply(lease, Completed("resp_warm"));
        // The lane goes back holding the warm-up's response: the pool gives it back to this conversation first.
        Assert.Equal("resp_warm", _manager.ExpectMsg<ReleaseLane>(r => r.LeaseId == lease, Wait).LastResponseId);

        Send(conversation, "hello");
        var second = GrantLane(cachedResponseId: "resp_warm");
        using (var first = ExpectRequest())
        {
            Assert.Equal("resp_warm", first.RootElement.GetProperty("previous_response_id").GetString());
            Assert.Equal(1, first.RootElement.GetProperty("input").GetArrayLength());
            Assert.False(first.RootElement.TryGetProperty("generate", out _));
        }
        Reply(second, Completed("resp_1", Message("hi")));
        Assert.Equal("hi", _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait).Text);
    }

    [Fact]
    public void A_message_sent_during_a_failed_warm_up_waits_for_it_and_its_turn_sends_in_full()
    {
        var (conversation, lease) = CreateWarmingUp("c-warm-fail");
        ExpectRequest().Dispose();
        conversation.Tell(new SendMessage("c-warm-fail", "hello"));
        conversation.Tell(new ModelRequestFailed(lease, "receive failed"), _socket.Ref);

        Assert.Null(_manager.ExpectMsg<ReleaseLane>(r => r.LeaseId == lease, Wait).LastResponseId);
        ExpectMsg<MessageAccepted>(Wait);
        GrantLane(cachedResponseId: null);
        using var first = ExpectRequest();
        Assert.False(first.RootElement.TryGetProperty("previous_response_id", out _));
        Assert.Equal(1, first.RootElement.GetProperty("input").GetArrayLength());
    }

    [Fact]
    public void A_subscriber_that_arrives_while_the_conversation_passivates_is_subscribed_again_in_the_next_incarnation()
    {
        var conversation = StartConversation("c-passivate", asChildOfTestActor: true);
        conversation.Tell(new Unsubscribe("c-passivate", _subscriber.Ref));
        // Idle, its last subscriber gone: it asks its shard to passivate it.
        var passivate = ExpectMsg<Passivate>(Wait);

        // The shard delivers a Subscribe it received before it saw the Passivate, then the stop message.
        var late = CreateTestProbe("late");
        conversation.Tell(new Subscribe("c-passivate", late.Ref), late.Ref);
        late.ExpectMsg<ConversationStatus>(Wait);
        Watch(conversation);
        conversation.Tell(passivate.StopMessage);

        // Through the shard, which buffers it for the next incarnation: the late subscriber hears that one's turns.
        Assert.Equal(late.Ref, ExpectMsg<Subscribe>(Wait).Subscriber);
        ExpectTerminated(conversation, Wait);
    }

    [Fact]
    public void A_conversation_that_passivates_while_its_snapshot_is_being_saved_stops_once_the_older_ones_are_deleted()
    {
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        snapshots.Tell(HeldWritesJournal.Hold.Instance);
        var deletions = CreateTestProbe("deletions");
        Sys.EventStream.Subscribe(deletions.Ref, typeof(HeldSnapshotStore.Deleted));
        var conversation = StartConversation("c-snapshot", asChildOfTestActor: true, snapshotEvery: 3);

        // Events 1 and 2 (started, the message), then 3 (the response): a snapshot is saved as the turn ends.
        Send(conversation, "hello");
        var lease = GrantLane(cachedResponseId: null);
        ExpectRequest().Dispose();
        Reply(lease, Completed("resp_1", Message("Hi.")));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
        conversation.Tell(new Unsubscribe("c-snapshot", _subscriber.Ref));
        var passivate = ExpectMsg<Passivate>(Wait);
        Watch(conversation);
        conversation.Tell(passivate.StopMessage);

        // Still there while the save is unconfirmed: stopped now, it would never delete the snapshots before it.
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        snapshots.Tell(HeldWritesJournal.Release.Instance);

        Assert.Equal(new HeldSnapshotStore.Deleted("conversation-c-snapshot", 2), deletions.ExpectMsg<HeldSnapshotStore.Deleted>(Wait));
        ExpectTerminated(conversation, Wait);
    }

    [Fact]
    public void A_call_to_a_tool_the_node_does_not_declare_is_measured_as_undeclared_not_under_the_models_name()
    {
        var madeUp = $"made_up_{Guid.NewGuid():N}";
        using var durations = new MetricCollector<double>(null, EngineMetrics.MeterName, ConversationTelemetry.ToolDuration);
        var conversation = StartConversation("c-undeclared");
        Send(conversation, "use the tools");
        var lease = GrantLane(cachedResponseId: null);
        ExpectRequest().Dispose();

        Reply(lease, Completed("resp_1", Call("call_1", madeUp, "{}"), Call("call_2", "explode", """{"reason":"boom"}""")));
        _subscriber.FishForMessage<ToolCallFinished>(f => f.CallId == "call_1", Wait);
        _subscriber.FishForMessage<ToolCallFinished>(f => f.CallId == "call_2", Wait);

        // A model's made-up names would each be a series of their own; the declared ones are the node's to bound.
        var names = durations.GetMeasurementSnapshot().Select(m => m.Tags[ConversationTelemetry.ToolNameTag] as string).ToList();
        Assert.DoesNotContain(madeUp, names);
        Assert.Contains(ConversationTelemetry.UndeclaredTool, names);
        Assert.Contains("explode", names);
    }

    [Fact]
    public void A_delete_while_a_snapshot_is_being_saved_waits_for_it_and_then_deletes_every_snapshot()
    {
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        snapshots.Tell(HeldWritesJournal.Hold.Instance);
        var deletions = CreateTestProbe("deletions");
        Sys.EventStream.Subscribe(deletions.Ref, typeof(HeldSnapshotStore.Deleted));
        var conversation = StartConversation("c-forget", snapshotEvery: 3);
        Send(conversation, "hello");
        var lease = GrantLane(cachedResponseId: null);
        ExpectRequest().Dispose();
        Reply(lease, Completed("resp_1", Message("Hi.")));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);

        conversation.Tell(new DeleteConversation("c-forget"));
        // A snapshot confirmed after the delete would outlive it and bring the conversation back on its next start.
        deletions.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        snapshots.Tell(HeldWritesJournal.Release.Instance);

        Assert.Equal(new HeldSnapshotStore.Deleted("conversation-c-forget", 2), deletions.ExpectMsg<HeldSnapshotStore.Deleted>(Wait));
        Assert.Equal(new HeldSnapshotStore.Deleted("conversation-c-forget", long.MaxValue), deletions.ExpectMsg<HeldSnapshotStore.Deleted>(Wait));
        Assert.True(ExpectMsg<ConversationDeleted>(Wait).Existed);
    }

    [Fact]
    public void Messages_past_the_queue_bounds_are_refused_before_they_are_persisted()
    {
        var conversation = StartConversation("c-queue", configure: o => o with { MaxQueuedMessages = 2, MaxQueuedBytes = 10 });
        Send(conversation, "go");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        Send(conversation, "12345");

        conversation.Tell(new SendMessage("c-queue", "1234567"));
        var tooLarge = ExpectMsg<MessageRejected>(Wait);
        Assert.Equal(MessageRejectionCodes.QueueTooLarge, tooLarge.Code);
        Assert.Contains("max-queued-bytes", tooLarge.Reason);
        Send(conversation, "abcde");
        conversation.Tell(new SendMessage("c-queue", "x"));
        var full = ExpectMsg<MessageRejected>(Wait);
        Assert.Equal(MessageRejectionCodes.QueueFull, full.Code);
        Assert.Contains("the limit is 2 (orchestrator.conversation.max-queued-messages)", full.Reason);
        conversation.Tell(new GetConversationStatus("c-queue"));
        Assert.Equal(2, ExpectMsg<ConversationStatus>(Wait).QueuedMessages);

        // The turn of the queued messages carries them, and nothing of the refused ones.
        Reply(lease, Completed("resp_1", Message("first answered")));
        _manager.ExpectMsg<ReleaseLane>(Wait);
        GrantLane(cachedResponseId: "resp_1");
        using var next = ExpectRequest();
        var texts = next.RootElement.GetProperty("input").EnumerateArray().Select(i => Item.From(i).Text);
        Assert.Equal(["12345", "abcde"], texts);
    }

    [Fact]
    public void A_message_over_the_size_limit_is_refused_with_its_code()
    {
        var conversation = StartConversation("c-long", configure: o => o with { MaxMessageChars = 5 });

        conversation.Tell(new SendMessage("c-long", "123456"));

        var rejected = ExpectMsg<MessageRejected>(Wait);
        Assert.Equal(MessageRejectionCodes.MessageTooLarge, rejected.Code);
        Assert.Contains("max-message-chars", rejected.Reason);
    }

    [Fact]
    public void At_the_round_cap_the_calls_are_not_run_and_the_next_turn_sends_an_output_for_every_call()
    {
        var conversation = StartConversation("c-cap", configure: o => o with { MaxRoundsPerTurn = 1 });
        Send(conversation, "go");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();

        Reply(lease, Completed("resp_1", Call("call_1", "count", "{}"), Call("call_2", "count", "{}")));

        var failed = _subscriber.FishForMessage<TurnFailed>(_ => true, Wait);
        Assert.Contains("max-rounds-per-turn", failed.Reason);
        Assert.Equal("resp_1", _manager.ExpectMsg<ReleaseLane>(Wait).LastResponseId);
        Send(conversation, "next");
        GrantLane(cachedResponseId: "resp_1");
        using var next = ExpectRequest();
        Assert.Equal("resp_1", next.RootElement.GetProperty("previous_response_id").GetString());
        var input = next.RootElement.GetProperty("input").EnumerateArray().Select(Item.From).ToList();
        Assert.Equal(["call_1", "call_2"], input.Where(i => i.IsFunctionCallOutput).Select(i => i.CallId));
        Assert.All(input.Where(i => i.IsFunctionCallOutput), o => Assert.Contains("not_run", o.Output));
        Assert.Equal("next", input[^1].Text);
        Assert.Equal(0, _runs.Of("call_1") + _runs.Of("call_2"));
    }

    [Fact]
    public void A_request_refused_as_too_large_without_a_compactor_fails_the_turn_and_the_next_one_starts_a_new_chain_without_its_input()
    {
        var conversation = StartConversation("c-too-large");
        Send(conversation, "hello");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        Reply(lease, Completed("resp_1", Message("hi")));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
        _manager.ExpectMsg<ReleaseLane>(Wait);
        Send(conversation, "an enormous message");
        lease = GrantLane(cachedResponseId: "resp_1");
        ExpectRequest().Dispose();

        Reply(lease, new ServerErrorEvent(0, new ApiError(400, "message_too_large", "The message exceeds the maximum size of 65536 bytes.")));

        var failed = _subscriber.FishForMessage<TurnFailed>(_ => true, Wait);
        Assert.Contains("too large", failed.Reason);
        Assert.Null(_manager.ExpectMsg<ReleaseLane>(Wait).LastResponseId);
        Send(conversation, "small");
        GrantLane(cachedResponseId: "resp_1");
        using var next = ExpectRequest();
        Assert.False(next.RootElement.TryGetProperty("previous_response_id", out _));
        var texts = next.RootElement.GetProperty("input").EnumerateArray().Select(i => Item.From(i).Text).ToList();
        Assert.Equal(["hello", "hi", ConversationState.DroppedInputPlaceholder(failed.Reason), "small"], texts);
    }

    [Fact]
    public void A_request_refused_as_too_large_whose_compaction_fails_fails_the_turn_with_both_reasons()
    {
        var conversation = StartConversation("c-compact-fails", compactor: new RefusingCompactor());
        Send(conversation, "an enormous message");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();

        Reply(lease, new ServerErrorEvent(0, new ApiError(null, "context_length_exceeded", "Your input exceeds the context window of this model.")));

        var failed = _subscriber.FishForMessage<TurnFailed>(_ => true, Wait);
        Assert.Contains("context_length_exceeded", failed.Reason);
        Assert.Contains("compacting the window failed: compaction failed with 413", failed.Reason);
        _manager.ExpectMsg<ReleaseLane>(Wait);
        Send(conversation, "small");
        GrantLane(null);
        using var next = ExpectRequest();
        var texts = next.RootElement.GetProperty("input").EnumerateArray().Select(i => Item.From(i).Text).ToList();
        Assert.Equal([ConversationState.DroppedInputPlaceholder(failed.Reason), "small"], texts);
    }

    [Fact]
    public void After_a_delete_the_first_turn_of_the_new_conversation_is_not_compacted()
    {
        var compactor = new CountingCompactor();
        var conversation = StartConversation("c-delete-compact", configure: o => o with { CompactAtInputTokens = 1000 }, compactor: compactor);
        Send(conversation, "hello");
        var lease = GrantLane(cachedResponseId: null);
        ExpectRequest().Dispose();
        Reply(lease, new ResponseLifecycleEvent(ServerEventTypes.ResponseCompleted, 9, new ResponseObject { Id = "resp_1", Status = "completed", Output = [Message("Hi.")], Usage = new Usage { InputTokens = 5000 } }));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);

        conversation.Tell(new DeleteConversation("c-delete-compact"));
        Assert.True(FishForMessage<ConversationDeleted>(_ => true, Wait).Existed);

        // The deleted conversation's last input tokens would make the new one's first message a compaction.
        Send(conversation, "a fresh start");
        _manager.FishForMessage<AcquireLane>(_ => true, Wait);
        Assert.Equal(0, compactor.Calls);
    }

    [Fact]
    public void A_turn_abandoned_after_an_error_answering_a_continuation_gives_its_lane_back_cold()
    {
        var (_, again) = StartSecondTurnOnTheWarmLane("c-cold-release");
        // store=false: the error evicted resp_1 from the lane's cache, so nobody may continue it there.
        Reply(again, new ServerErrorEvent(0, new ApiError(400, "invalid_request_error", "Unknown parameter.")));
        _subscriber.FishForMessage<TurnFailed>(_ => true, Wait);
        var released = _manager.ExpectMsg<ReleaseLane>(Wait);
        Assert.True(released.Cold);
        Assert.Null(released.LastResponseId);
    }

    private sealed class CountingCompactor : ICompactor
    {
        public int Calls;

        public Task<IReadOnlyList<Item>> CompactAsync(ConversationSettings settings, IReadOnlyList<Item> window, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult<IReadOnlyList<Item>>(window);
        }
    }

    /// <summary>A compact endpoint that never answers (until the conversation stops).</summary>
    private sealed class SilentCompactor : ICompactor
    {
        public int Calls;

        public async Task<IReadOnlyList<Item>> CompactAsync(ConversationSettings settings, IReadOnlyList<Item> window, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return window;
        }
    }

    /// <summary>What the compact endpoint answers to a body over its own limit.</summary>
    private sealed class RefusingCompactor : ICompactor
    {
        public Task<IReadOnlyList<Item>> CompactAsync(ConversationSettings settings, IReadOnlyList<Item> window, CancellationToken cancellationToken) =>
            Task.FromException<IReadOnlyList<Item>>(new HttpRequestException("compaction failed with 413: request body too large"));
    }

    private IActorRef StartConversation(string id, bool asChildOfTestActor = false, bool warmUp = false, int snapshotEvery = 100, Func<ConversationOptions, ConversationOptions>? configure = null, ICompactor? compactor = null)
    {
        var tools = new ToolRegistry()
            .Add<ExplodeArgs, string>("explode", "Always throws.", (args, _) => throw new InvalidOperationException(args.Reason))
            .Add<EmptyArgs, string>("hang", "Never finishes.", async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return "never"; })
            .Add<EmptyArgs, string>("gated", "Finishes when the test opens the gate.", async (_, ct) => { await _gate.Task.WaitAsync(ct); return "opened"; })
            .Add<EmptyArgs, int>("count", "Counts its runs per call id.", (_, context, _) => Task.FromResult(_runs.Increment(context.CallId)));
        DemoTools.Register(tools);
        var options = new ConversationOptions
        {
            Defaults = new ConversationSettings("test-model", "be brief", Store: false),
            RetryMinBackoff = TimeSpan.FromMilliseconds(10),
            RetryMaxBackoff = TimeSpan.FromMilliseconds(50),
            WarmUp = warmUp,
            SnapshotEvery = snapshotEvery,
        };
        var invoker = new ToolInvoker(tools, new ToolInvokerOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        var deps = new ConversationDependencies(_manager.Ref, invoker, ConversationDependencies.Declare(tools), configure?.Invoke(options) ?? options, compactor);
        // A conversation that ends its recovery with nobody subscribed asks to passivate: the subscription must arrive
        // during the recovery, which the held load keeps open until it has been sent.
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        snapshots.Tell(HeldSnapshotStore.HoldLoads.Instance);
        // As a child of the test actor, what it tells its parent (the shard, in production) reaches the test.
        var actor = asChildOfTestActor ? ChildActorOf(ConversationActor.Props(id, deps)) : Sys.ActorOf(ConversationActor.Props(id, deps));
        actor.Tell(new Subscribe(id, _subscriber.Ref));
        snapshots.Tell(HeldSnapshotStore.ReleaseLoads.Instance);
        ExpectMsg<ConversationStatus>(Wait);
        return actor;
    }

    /// <summary>Runs a turn up to its second request, a continuation of resp_1 (one tool call) on the lease returned.</summary>
    /// <summary>A first turn answered on a lane, then a second turn granted that lane warm: its continuation is on the wire.</summary>
    private (IActorRef Conversation, long Lease) StartSecondTurnOnTheWarmLane(string id)
    {
        var conversation = StartConversation(id);
        Send(conversation, "first");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        Reply(lease, Completed("resp_1", Message("one")));
        _subscriber.FishForMessage<TurnCompleted>(_ => true, Wait);
        Assert.Equal("resp_1", _manager.ExpectMsg<ReleaseLane>(Wait).LastResponseId);

        Send(conversation, "second");
        var again = GrantLane("resp_1");
        using var continuation = ExpectRequest();
        Assert.Equal("resp_1", continuation.RootElement.GetProperty("previous_response_id").GetString());
        return (conversation, again);
    }

    private (IActorRef Conversation, long Lease) StartUpToTheContinuation(string id)
    {
        var conversation = StartConversation(id);
        Send(conversation, "go");
        var lease = GrantLane(null);
        ExpectRequest().Dispose();
        Reply(lease, Completed("resp_1", Call("call_1", "calculate", """{"a":1,"b":2,"operation":"add"}""")));
        using var continuation = ExpectRequest();
        Assert.Equal("resp_1", continuation.RootElement.GetProperty("previous_response_id").GetString());
        return (conversation, lease);
    }

    /// <summary>Creates a conversation with warm-up on and grants the lane it asks for at once; its warm-up request follows.</summary>
    private (IActorRef Conversation, long Lease) CreateWarmingUp(string id)
    {
        var conversation = StartConversation(id, warmUp: true);
        conversation.Tell(new CreateConversation(id));
        ExpectMsg<ConversationCreated>(Wait);
        return (conversation, GrantLane(cachedResponseId: null));
    }

    private string Send(IActorRef conversation, string text)
    {
        conversation.Tell(new SendMessage("ignored-by-actor", text));
        return ExpectMsg<MessageAccepted>(Wait).MessageId;
    }

    private long GrantLane(string? cachedResponseId)
    {
        _manager.ExpectMsg<AcquireLane>(Wait);
        var lease = ++_leaseId;
        _manager.Reply(new LaneGranted(new LaneLease(lease, _socket.Ref, SocketId: 1, Lane: 0, cachedResponseId)));
        return lease;
    }

    private JsonDocument ExpectRequest()
    {
        var request = _socket.ExpectMsg<SendRequest>(Wait);
        return JsonDocument.Parse(request.Payload);
    }

    private void Reply(long lease, ServerEvent e) => _socket.Reply(new ModelEvent(lease, e));

    private static ResponseLifecycleEvent Completed(string id, params Item[] output) =>
        new(ServerEventTypes.ResponseCompleted, 9, new ResponseObject { Id = id, Status = "completed", Output = output });

    private static Item Call(string callId, string name, string arguments) =>
        Item.Parse(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "function_call", ["id"] = "fc_" + callId, ["call_id"] = callId, ["name"] = name, ["arguments"] = arguments,
        }));

    private static Item Message(string text) =>
        Item.Parse($$"""{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":{{JsonSerializer.Serialize(text)}},"annotations":[]}]}""");

    private static ToolWorker.Completed Result(string callId) =>
        new(callId, "hang", new ToolOutcome($"\"out-{callId}\"", ToolFailure.None, TimeSpan.Zero));

    private static List<string> ToolResultWrite(TestProbe writes) =>
        writes.FishForMessage<HeldWritesJournal.Written>(w => w.Events.Any(e => e is ToolResultRecorded), Wait)
            .Events.Cast<ToolResultRecorded>().Select(r => r.CallId).ToList();

    private static string OutputOf(IEnumerable<ToolCallFinished> finished, string callId) => finished.Single(f => f.CallId == callId).Output;

    public sealed record ExplodeArgs(string Reason);

    public sealed record EmptyArgs;

    private sealed class ConcurrentCounter
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new();

        public int Increment(string key) => _counts.AddOrUpdate(key, 1, (_, n) => n + 1);

        public int Of(string key) => _counts.GetValueOrDefault(key);
    }
}
