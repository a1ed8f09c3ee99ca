using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// One conversation: event-sourced, the only owner of its chain. The rules live in <see cref="ConversationState"/>
/// (what a message becomes, what the journal means), <see cref="NextRequestPlanner"/> (what to send) and
/// <see cref="SendFailurePolicy"/> (what a failed send leads to); this actor wires them to the journal, the connection
/// manager and the tool workers.
///
/// Each behaviour is a method that closes over what it waits for and returns the <see cref="Receive"/> it becomes;
/// what no behaviour handles, <see cref="Common"/> does. A turn's state lives in its <see cref="Turn"/>, passed from
/// wait to wait. Every wait is bounded, by a keyed timer (LeaseWait, Retry, CompactionWait) or by whoever it waits
/// for (in brackets):
/// <code>
///  (recovery) ─► Resuming ─ResumeWork─► by the journal's phase: Idle | SendNext(new turn) | RunningTools(new turn)
///
///  Idle ─CreateConversation, warm-up on─► WarmingUp(null) ─LaneGranted─► WarmingUp(lease) ─its response, a failure─► Idle
///                                                   └─ LaneUnavailable, LeaseWait ──────────────────────────────► Idle
///  Idle ─a message opens a turn─► SendNext(new turn)
///
///  SendNext(turn) ─ a turn cap ─────► turn ends
///                 ─ compaction due ─► Compacting(turn, run)
///                 ─ no lane ────────► AwaitingLane(turn)
///                 ─ a lane: send ───► AwaitingModel(turn)          [response idle timeout: the socket's]
///
///  AwaitingLane(turn)    ─ LaneGranted ─► SendNext
///                        ─ LaneUnavailable ─► Retry timer ─► ask again;  LeaseWait, too many attempts ─► turn ends
///  AwaitingModel(turn)   ─ response with calls ─► RunningTools(turn)    [tool timeouts: the ToolWorker's]
///                                                 (over a turn cap ─► turn ends)
///                        ─ response without calls ─► turn ends
///                        ─ LaneRetired (nothing sent) ─► SendNext on another lane
///                        ─ a failure, by SendFailurePolicy ─► SendNext | Retry timer ─► SendNext | turn ends
///                                                            | Shrink ─► Compacting(turn, run for the refusal) | turn ends
///  RunningTools(turn)    ─ last result written ─► SendNext     [the node's calls: the ToolWorker's timeouts;
///                          the client's calls: ClientToolWait; results come from both sides]
///  Compacting(turn, run) ─ done, failed, CompactionWait ─► SendNext  (failed for a refusal ─► turn ends)
///                        ─ CancelTurn ─► CancellingCompaction(turn, run) ─ done, failed, CompactionWait ─► turn ends
///  AwaitingLane, AwaitingModel ─ CancelTurn ─► turn ends;  RunningTools ─ CancelTurn ─► calls answered, turn ends
///
///  turn ends ─► SendNext(new turn) when messages were queued, else Idle
///  Idle, a turn's behaviour ─DeleteConversation─► Deleting(requester) ─ journal emptied ─► Idle  (a failure stops)
///                                                  [the journal's and snapshot store's breakers]
///  any ─PassivateStop─► stop, or StoppingAfterSnapshots ─ snapshots settled ─► stop
/// </code>
/// Messages that arrive mid-turn are persisted and queued, never dropped, within the queue's bounds; past them they
/// are refused before they are persisted (<see cref="ConversationOptions.MaxQueuedMessages"/>,
/// <see cref="ConversationOptions.MaxQueuedBytes"/>). After recovery, open work resumes by itself.
/// </summary>
/// <remarks>
/// A plain <see cref="PersistentActor"/> with switch behaviours: entering one (several times a turn) costs one closure,
/// where a ReceivePersistentActor's Become(Action) builds a handler table anew each time.
/// </remarks>
public sealed partial class ConversationActor : PersistentActor, IWithTimers
{
    private readonly string _conversationId;
    private readonly ConversationDependencies _deps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _subscribers = new();
    private ConversationState _state = ConversationState.Empty;
    private readonly long _started = Stopwatch.GetTimestamp();
    private bool _recoveredFromSnapshot;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Receive _idle;

    public ConversationActor(string conversationId, ConversationDependencies deps)
    {
        _conversationId = conversationId;
        _deps = deps;
        PersistenceId = PersistenceIdFor(conversationId);
        _idle = Idle;
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static string PersistenceIdFor(string conversationId) => $"conversation-{conversationId}";

    public static Props Props(string conversationId, ConversationDependencies deps) =>
        FactoryProps.Of(() => new ConversationActor(conversationId, deps));

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer offer:
                _state = ConversationState.FromSnapshot((ConversationSnapshot)offer.Snapshot);
                _recoveredFromSnapshot = true;
                return true;
            case IPersistedEvent e:
                _state = _state.Apply(e);
                return true;
            case RecoveryCompleted:
                ConversationTelemetry.Recovered(Stopwatch.GetElapsedTime(_started), _recoveredFromSnapshot);
                // Resume only after the messages that arrived during recovery (a Subscribe, typically) are handled,
                // so that whoever woke the conversation sees the open work finish.
                Self.Tell(ResumeWork.Instance);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The first behaviour, <c>Resuming</c>: until <see cref="ResumeWork"/>, only subscriptions and status are served.</summary>
    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case ResumeWork:
                Stash.UnstashAll();
                Resume();
                return true;
            case Subscribe subscribe: OnSubscribe(subscribe); return true;
            case Unsubscribe unsubscribe: OnUnsubscribe(unsubscribe); return true;
            case GetConversationStatus: Sender.Tell(Status()); return true;
            default:
                _stashedDuringRecovery = true;
                Stash.Stash();
                return true;
        }
    }

    /// <summary>Applies a persisted event and saves a snapshot every <see cref="ConversationOptions.SnapshotEvery"/> events.</summary>
    private void Apply(IPersistedEvent e)
    {
        _state = _state.Apply(e);
        if (LastSequenceNr % _deps.Options.SnapshotEvery != 0) return;
        SaveSnapshot(_state.ToSnapshot());
        _snapshotsSaving++;
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        base.PostStop();
    }

    private void BecomeIdle()
    {
        Become(_idle);
        SetReceiveTimeout(_deps.Options.IdleTimeout);
    }

    private bool Idle(object message)
    {
        if (message is ReceiveTimeout) RequestPassivation();
        else return Common(message, turn: null);
        return true;
    }

    /// <summary>What every behaviour shares, after its own cases; <paramref name="turn"/> is the open turn's, if any.</summary>
    private bool Common(object message, Turn? turn)
    {
        switch (message)
        {
            case SendMessage send: Accept(send, turn); return true;
            case Subscribe subscribe: OnSubscribe(subscribe); return true;
            case Unsubscribe unsubscribe: OnUnsubscribe(unsubscribe); return true;
            case Terminated terminated: RemoveSubscriber(terminated.ActorRef); return true;
            case GetConversationStatus: Sender.Tell(Status()); return true;
            case CreateConversation create: OnCreate(create); return true;
            case GetConversationTranscript: Sender.Tell(Transcript()); return true;
            case CancelTurn: OnCancelTurn(turn); return true;
            case SubmitToolResult submit: AnswerToolResult(submit); return true;
            case DeleteConversation: OnDelete(turn); return true;
            // A grant that arrives when no lane is wanted goes straight back.
            case LaneGranted granted: _deps.ConnectionManager.Tell(new ReleaseLane(granted.Lease.LeaseId, null)); return true;
            case ModelEvent or ModelRequestFailed or LaneRetired or LaneLost when IsOfAbandonedResponse(message): OnAbandonedResponse(message); return true;
            case ModelEvent { Event: SteerEvent steer } e when turn is not null && e.LeaseId == turn.Lease?.LeaseId: OnSteerEvent(turn, steer); return true;
            case LaneLost lost:
                if (turn?.Lease?.LeaseId == lost.LeaseId) turn.LoseLease();
                return true;
            // Events and failures of a lease this conversation no longer uses (or of a previous attempt), expired waits
            // and compaction results of a turn that ended: stale.
            case ModelEvent or ModelRequestFailed or LaneRetired or ReceiveTimeout or WakeUp or DeleteSnapshotsSuccess
                or Retry or LeaseWait or CompactionWait or CompactionDone or CompactionFailed or ClientToolWait or SuccessorWait:
                return true;
            case PassivateStop: OnPassivateStop(); return true;
            case SaveSnapshotSuccess saved: OnSnapshotSaved(saved); return true;
            case SaveSnapshotFailure failed: OnSnapshotFailed(failed); return true;
            case DeleteSnapshotsFailure failed:
                _log.Warning("Conversation {0}: deleting old snapshots failed: {1}", _conversationId, failed.Cause.Message);
                return true;
            default: return false;
        }
    }

    private void OnSubscribe(Subscribe subscribe)
    {
        _subscribers.Add(subscribe.Subscriber);
        Context.Watch(subscribe.Subscriber);
        Sender.Tell(Status());
    }

    private void OnUnsubscribe(Unsubscribe unsubscribe)
    {
        Context.Unwatch(unsubscribe.Subscriber);
        RemoveSubscriber(unsubscribe.Subscriber);
    }

    private void RemoveSubscriber(IActorRef subscriber)
    {
        // The last watcher of an idle conversation is gone: nothing is lost by stopping it now.
        if (_subscribers.Remove(subscriber) && _subscribers.Count == 0 && _state.Phase == ConversationPhase.Idle) RequestPassivation();
    }

    /// <param name="turn">The open turn's, if any: a message that joins its queue may steer its streaming response.</param>
    private void Accept(SendMessage message, Turn? turn)
    {
        var sender = Sender;
        switch (_state.Decide(message, message.ClientMessageId ?? Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, _deps.Options))
        {
            case MessageDecision.Empty:
                sender.Tell(new MessageRejected(_conversationId, "The message is empty.", MessageRejectionCodes.Empty));
                return;
            case MessageDecision.TooLong tooLong:
                Refuse(sender, MessageRejectionCodes.MessageTooLarge,
                    $"The message has {tooLong.Chars} characters; the limit is {tooLong.Limit} (orchestrator.conversation.max-message-chars).");
                return;
            case MessageDecision.Duplicate duplicate:
                sender.Tell(new MessageAccepted(_conversationId, duplicate.MessageId, Duplicate: true));
                return;
            case MessageDecision.IdReused reused:
                sender.Tell(new MessageIdReused(_conversationId, reused.MessageId));
                return;
            case MessageDecision.QueueRefused queueRefused:
                RefuseQueued(sender, queueRefused.Refusal);
                return;
            case MessageDecision.Accept accept:
                var writing = Stopwatch.GetTimestamp();
                PersistAll(accept.Events, e =>
                {
                    Apply(e);
                    if (e is not UserMessageAccepted) return;
                    ConversationTelemetry.JournalWritten(writing, "user_message");
                    var delivery = accept.OpensTurn ? MessageDeliveries.Turn : TrySteer(turn) ? MessageDeliveries.Steering : MessageDeliveries.Queued;
                    sender.Tell(new MessageAccepted(_conversationId, accept.MessageId, Duplicate: false, delivery));
                    if (accept.OpensTurn) StartTurn();
                });
                return;
        }
    }

    private void RefuseQueued(IActorRef sender, QueueRefusal refusal)
    {
        if (refusal.Kind == QueueRefusalKind.TooManyMessages)
            Refuse(sender, MessageRejectionCodes.QueueFull,
                $"{refusal.Amount} messages wait for the open turn of conversation {_conversationId} already; the limit is {refusal.Limit} (orchestrator.conversation.max-queued-messages). Send it again when the turn ends.");
        else
            Refuse(sender, MessageRejectionCodes.QueueTooLarge,
                $"With this message, the messages waiting for the open turn of conversation {_conversationId} would hold {refusal.Amount} bytes; the limit is {refusal.Limit} (orchestrator.conversation.max-queued-bytes). Send it again when the turn ends.");
    }

    private void Refuse(IActorRef sender, string code, string reason)
    {
        ConversationLimitMetrics.MessageRefused(code);
        _log.Debug("Conversation {0}: message refused ({1}): {2}", _conversationId, code, reason);
        sender.Tell(new MessageRejected(_conversationId, reason, code));
    }

    private ConversationStatus Status() => new(
        _conversationId,
        _state.Phase.ToString(),
        _state.LastResponseId,
        _state.Window.Count,
        _state.CallsWithoutResult.Count(),
        _state.Queued.Count,
        _state.Window.FindLast(i => i.Type == ItemTypes.Message && i.Role == "assistant")?.Text,
        WaitingToolCalls());

    private void Publish(ConversationUpdate update)
    {
        Observe(update);
        foreach (var subscriber in _subscribers) subscriber.Tell(update);
    }

    private sealed class ResumeWork
    {
        public static readonly ResumeWork Instance = new();
    }
}
