using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Orchestrator.Messages.Connections;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// What a host asks of a conversation besides messages: create it with its own settings, read its transcript,
/// cancel the open turn, delete it. Cancelling never cuts a step in half: running tools are stopped and answered
/// with an error output (so every call in the window keeps its output), and a request in flight, a lane being
/// leased, a retry pending or a compaction running is let finish and then discarded; the turn then ends as
/// <see cref="TurnFailed"/>, exactly as an abandoned one.
/// </summary>
public sealed partial class ConversationActor
{
    public const string CancelledReason = "cancelled by the caller";

    /// <summary>The output recorded for a tool call whose turn was cancelled before it finished.</summary>
    private const string CancelledToolOutput = "{\"error\":{\"kind\":\"cancelled\",\"message\":\"the turn was cancelled before this call finished\"}}";

    private bool HandleHostCommand(object message)
    {
        switch (message)
        {
            case CreateConversation create: OnCreate(create); return true;
            case GetConversationTranscript: Sender.Tell(Transcript()); return true;
            case CancelTurn cancel: OnCancelTurn(cancel); return true;
            case DeleteConversation delete: OnDelete(delete); return true;
            default: return false;
        }
    }

    private bool Exists => _state.Settings is not null;

    private ConversationTranscript Transcript() =>
        new(_conversationId, Exists, _state.Settings?.Model, _state.Settings?.Instructions, Status(), _state.Window);

    private void OnCreate(CreateConversation create)
    {
        var sender = Sender;
        if (Exists)
        {
            sender.Tell(new ConversationCreated(_conversationId, AlreadyExisted: true));
            return;
        }
        var defaults = _deps.Options.Defaults;
        var settings = defaults with { Model = create.Model ?? defaults.Model, Instructions = create.Instructions ?? defaults.Instructions };
        Persist(new ConversationStarted(settings), e =>
        {
            Apply(e);
            sender.Tell(new ConversationCreated(_conversationId, AlreadyExisted: false));
            if (_deps.Options.WarmUp) StartWarmUp();
        });
    }

    private void OnCancelTurn(CancelTurn cancel)
    {
        switch (_state.Phase)
        {
            case ConversationPhase.Idle:
                Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: false));
                return;
            case ConversationPhase.RunningTools:
                Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: true));
                CancelTools();
                return;
            default:
                Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: true));
                Become(CancellingTurn);
                return;
        }
    }

    private void CancelTools()
    {
        // Tool workers are this actor's only children; stopping one cancels its tool.
        foreach (var worker in Context.GetChildren()) Context.Stop(worker);
        var open = _state.CallsWithoutResult.ToList();
        var results = open.Select(c => new ToolResultRecorded(c.CallId, Item.FunctionCallOutput(c.CallId, CancelledToolOutput), IsError: true)).ToList();
        var recorded = 0;
        PersistAll(results, e =>
        {
            Apply(e);
            var call = open[recorded++];
            Publish(new ToolCallFinished(_conversationId, call.CallId, call.Name, CancelledToolOutput, IsError: true, TimeSpan.Zero));
            if (recorded == open.Count) Abandon(CancelledReason);
        });
    }

    /// <summary>Waits for the step in progress (a response, a lane, a retry, a compaction) to end, then ends the turn without using it.</summary>
    private void CancellingTurn()
    {
        Command<ModelEvent>(
            e => e.LeaseId == _lease?.LeaseId && (e.Event is ServerErrorEvent || e.Event is ResponseLifecycleEvent { IsTerminal: true }),
            e =>
            {
                // The discarded response is now the latest on the lane: our last response is no longer cached there.
                if (e.Event is ResponseLifecycleEvent done) _lease = _lease! with { CachedResponseId = done.Response.Id };
                Abandon(CancelledReason);
            });
        Command<ModelRequestFailed>(failed => failed.LeaseId == _lease?.LeaseId, _ => LoseLeaseAndAbandon());
        Command<LaneLost>(lost => lost.LeaseId == _lease?.LeaseId, _ => LoseLeaseAndAbandon());
        Command<LaneGranted>(granted =>
        {
            // Abandoning releases it.
            _lease = granted.Lease;
            Abandon(CancelledReason);
        });
        Command<LaneUnavailable>(_ => Abandon(CancelledReason));
        Command<Retry>(_ => Abandon(CancelledReason));
        Command<CompactionDone>(_ => Abandon(CancelledReason));
        Command<CompactionFailed>(_ => Abandon(CancelledReason));
        Command<CancelTurn>(_ => Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: true)));
        Common();
    }

    private void LoseLeaseAndAbandon()
    {
        _lease = null;
        Abandon(CancelledReason);
    }

    /// <summary>
    /// Deletes the snapshots, then the events: each step that fails leaves a conversation that recovers whole (events
    /// without snapshots replay in full), never one that a leftover snapshot would bring back without its events. A
    /// snapshot still being saved would land after the delete, so the delete waits for it. Deleting every event
    /// purges the persistence id from the node's journals (DirectReplaySqlJournal): no row, tag or snapshot of it stays.
    /// </summary>
    private void OnDelete(DeleteConversation delete)
    {
        var sender = Sender;
        if (!Exists)
        {
            sender.Tell(new ConversationDeleted(_conversationId, Existed: false));
            return;
        }
        foreach (var worker in Context.GetChildren()) Context.Stop(worker);
        Timers.Cancel(Retry.Instance);
        ReleaseLease(lastResponseId: null);
        Become(() => Deleting(sender));
        DeleteSnapshotsWhenSettled();
    }

    private void Deleting(IActorRef requester)
    {
        Command<SaveSnapshotSuccess>(saved =>
        {
            OnSnapshotSaved(saved);
            DeleteSnapshotsWhenSettled();
        });
        Command<SaveSnapshotFailure>(failed =>
        {
            OnSnapshotFailed(failed);
            DeleteSnapshotsWhenSettled();
        });
        // The older snapshots' delete asked by a snapshot saved just before has the same answer: only ours follows.
        Command<DeleteSnapshotsSuccess>(deleted => deleted.Criteria.MaxSequenceNr == long.MaxValue, _ => DeleteMessages(LastSequenceNr));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failed => failed.Criteria.MaxSequenceNr == long.MaxValue, failed => FailDelete(requester, "its snapshots", failed.Cause));
        Command<DeleteSnapshotsFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ =>
        {
            _state = ConversationState.Empty;
            requester.Tell(new ConversationDeleted(_conversationId, Existed: true));
            Stash.UnstashAll();
            BecomeIdle();
            if (_subscribers.Count == 0) RequestPassivation();
        });
        Command<DeleteMessagesFailure>(failed => FailDelete(requester, "its journal", failed.Cause));
        CommandAny(_ => Stash.Stash());
    }

    private void DeleteSnapshotsWhenSettled()
    {
        if (_snapshotsSaving == 0) DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
    }

    private void FailDelete(IActorRef requester, string what, Exception cause)
    {
        // What is left is whole: stopping without passivation makes sharding start the conversation again from it.
        _log.Error(cause, "Conversation {0}: deleting {1} failed", _conversationId, what);
        requester.Tell(new Status.Failure(cause));
        Context.Stop(Self);
    }
}
