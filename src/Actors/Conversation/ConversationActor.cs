using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// One conversation: event-sourced, the only owner of its chain. The rules live in
/// <see cref="ConversationState"/> (what the journal means) and <see cref="NextRequestPlanner"/> (what to send);
/// this actor wires them to the journal, the connection manager and the tool workers.
///
/// Behaviours follow <see cref="ConversationState.Phase"/>: <c>Idle</c> → <c>AwaitingLane</c> →
/// <c>AwaitingModel</c> → <c>RunningTools</c> → <c>AwaitingModel</c> … → <c>Idle</c>. Messages that arrive
/// mid-turn are persisted and queued, never dropped, within the queue's bounds; past them they are refused before they
/// are persisted (<see cref="ConversationOptions.MaxQueuedMessages"/>, <see cref="ConversationOptions.MaxQueuedBytes"/>).
/// After recovery, open work resumes by itself.
/// </summary>
public sealed partial class ConversationActor : ReceivePersistentActor, IWithTimers
{
    private readonly string _conversationId;
    private readonly ConversationDependencies _deps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _subscribers = new();
    private ConversationState _state = ConversationState.Empty;
    private readonly long _started = Stopwatch.GetTimestamp();
    private bool _recoveredFromSnapshot;
    private readonly Func<object, bool> _common;

    public ConversationActor(string conversationId, ConversationDependencies deps)
    {
        _conversationId = conversationId;
        _deps = deps;
        PersistenceId = PersistenceIdFor(conversationId);
        _common = HandleCommon;

        Recover<SnapshotOffer>(offer =>
        {
            _state = ConversationState.FromSnapshot((ConversationSnapshot)offer.Snapshot);
            _recoveredFromSnapshot = true;
        });
        Recover<IPersistedEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            ConversationTelemetry.Recovered(Stopwatch.GetElapsedTime(_started), _recoveredFromSnapshot);
            // Resume only after the messages that arrived during recovery (a Subscribe, typically) are handled,
            // so that whoever woke the conversation sees the open work finish.
            Become(Recovered);
            Self.Tell(ResumeWork.Instance);
        });
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static string PersistenceIdFor(string conversationId) => $"conversation-{conversationId}";

    public static Props Props(string conversationId, ConversationDependencies deps) =>
        FactoryProps.Of(() => new ConversationActor(conversationId, deps));

    /// <summary>
    /// Handlers every behaviour shares; registered last so that behaviour-specific ones win. One handler rather than one
    /// per message type: Akka builds a behaviour's handler table anew on every <c>Become</c>, several times a turn, and
    /// these twenty registrations were most of that (19 % of what a restarting node allocated, BENCHMARKS.md).
    /// </summary>
    private void Common() => Command<object>(_common);

    private bool HandleCommon(object message)
    {
        switch (message)
        {
            case SendMessage send: Accept(send); return true;
            case Subscribe subscribe: OnSubscribe(subscribe); return true;
            case Unsubscribe unsubscribe: OnUnsubscribe(unsubscribe); return true;
            case Terminated terminated: RemoveSubscriber(terminated.ActorRef); return true;
            case GetConversationStatus: Sender.Tell(Status()); return true;
            // A grant that arrives when no lane is wanted goes straight back.
            case LaneGranted granted: _deps.ConnectionManager.Tell(new ReleaseLane(granted.Lease.LeaseId, null)); return true;
            case ModelEvent or ModelRequestFailed or LaneRetired or LaneLost when IsOfAbandonedResponse(message): OnAbandonedResponse(message); return true;
            case LaneLost lost:
                if (_lease?.LeaseId == lost.LeaseId)
                {
                    _lease = null;
                    _requestOnWire = false;
                }
                return true;
            // Events and failures of a lease this conversation no longer uses (or of a previous attempt): stale.
            case ModelEvent or ModelRequestFailed or LaneRetired or ReceiveTimeout or WakeUp or DeleteSnapshotsSuccess: return true;
            case PassivateStop stop: OnPassivateStop(stop); return true;
            case SaveSnapshotSuccess saved: OnSnapshotSaved(saved); return true;
            case SaveSnapshotFailure failed: OnSnapshotFailed(failed); return true;
            case DeleteSnapshotsFailure failed:
                _log.Warning("Conversation {0}: deleting old snapshots failed: {1}", _conversationId, failed.Cause.Message);
                return true;
            default: return HandleHostCommand(message);
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

    private void Accept(SendMessage message)
    {
        var sender = Sender;
        if (string.IsNullOrWhiteSpace(message.Text))
        {
            sender.Tell(new MessageRejected(_conversationId, "The message is empty.", MessageRejectionCodes.Empty));
            return;
        }
        if (message.Text.Length > _deps.Options.MaxMessageChars)
        {
            Refuse(sender, MessageRejectionCodes.MessageTooLarge,
                $"The message has {message.Text.Length} characters; the limit is {_deps.Options.MaxMessageChars} (orchestrator.conversation.max-message-chars).");
            return;
        }
        var messageId = message.ClientMessageId ?? Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        if (_state.MessageIds.Find(messageId, now) is { } known)
        {
            sender.Tell(known.Matches(message.Text)
                ? new MessageAccepted(_conversationId, messageId, Duplicate: true)
                : new MessageIdReused(_conversationId, messageId));
            return;
        }
        if (_state.RefuseQueued(Encoding.UTF8.GetByteCount(message.Text), _deps.Options.MaxQueuedMessages, _deps.Options.MaxQueuedBytes) is { } refusal)
        {
            RefuseQueued(sender, refusal);
            return;
        }

        var wasIdle = _state.Phase == ConversationPhase.Idle;
        var events = new List<IPersistedEvent>(2);
        if (_state.Settings is null) events.Add(new ConversationStarted(_deps.Options.Defaults));
        events.Add(new UserMessageAccepted(messageId, Item.UserMessage(message.Text), now));
        var writing = Stopwatch.GetTimestamp();
        PersistAll(events, e =>
        {
            Apply(e);
            if (e is not UserMessageAccepted) return;
            ConversationTelemetry.JournalWritten(writing, "user_message");
            sender.Tell(new MessageAccepted(_conversationId, messageId, Duplicate: false));
            if (wasIdle) StartTurn();
        });
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
        _state.Window.FindLast(i => i.Type == ItemTypes.Message && i.Role == "assistant")?.Text);

    private void Publish(ConversationUpdate update)
    {
        Observe(update);
        foreach (var subscriber in _subscribers) subscriber.Tell(update);
    }
}
