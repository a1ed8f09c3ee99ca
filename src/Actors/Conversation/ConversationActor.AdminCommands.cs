using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Orchestrator.Actors.Connections;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// What an administrator (the API, the CLI, a typed client) asks of a conversation besides messages: create it with its
/// own settings, read its transcript, cancel the open turn, delete it. Cancelling ends the turn at once as <see cref="TurnFailed"/>, exactly as an
/// abandoned one, and never leaves the window half-written: running tools are stopped and answered with an error
/// output (so every call in the window keeps its output); a response in flight is no longer waited for (there is no
/// cancel event over the WebSocket) and its late events are ignored; a lane being leased or a retry pending is
/// dropped. Only a compaction running is let finish, then discarded.
/// </summary>
public sealed partial class ConversationActor
{
    public const string CancelledReason = "cancelled by the caller";

    public const string DeletedReason = "the conversation was deleted";

    /// <summary>The output recorded for a tool call whose turn was cancelled before it finished.</summary>
    private const string CancelledToolOutput = "{\"error\":{\"kind\":\"cancelled\",\"message\":\"the turn was cancelled before this call finished\"}}";

    /// <summary>
    /// The leases of responses the caller cancelled (or a delete cut off), by lease id: a lane is busy until its response
    /// ends on the server and then holds that response, not our chain, so each lease is kept until the socket reports the
    /// end and is then given back cold; meanwhile the next turn takes another lane. Bounded by the turns cancelled while
    /// their response ran, each ended by its response's end, a stall, or its socket's loss.
    /// </summary>
    private readonly Dictionary<long, LaneLease> _abandoned = new();

    private bool Exists => _state.Settings is not null;

    private ConversationTranscript Transcript() =>
        new(_conversationId, Exists, _state.Settings?.Model, _state.Settings?.Instructions, Status(), _state.Window);

    private void OnCreate(CreateConversation create)
    {
        var sender = Sender;
        if (_state.Decide(create, _deps.Options.Defaults) is not { } started)
        {
            sender.Tell(new ConversationCreated(_conversationId, AlreadyExisted: true));
            return;
        }
        if (create.Tools is { } tools && ConversationToolRules.Problem(tools, _deps.ToolDeclarations, _deps.Options) is { } problem)
        {
            sender.Tell(new ConversationRejected(_conversationId, problem));
            return;
        }
        Persist(started, e =>
        {
            Apply(e);
            sender.Tell(new ConversationCreated(_conversationId, AlreadyExisted: false));
            if (_deps.Options.WarmUp) StartWarmUp();
        });
    }

    /// <summary>
    /// The waits for a lane, the model and a compaction answer <see cref="CancelTurn"/> themselves; what reaches here
    /// finds the conversation idle (nothing to cancel) or running tools.
    /// </summary>
    private void OnCancelTurn(Turn? turn)
    {
        if (turn is null || _state.Phase != ConversationPhase.RunningTools)
        {
            Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: false));
            return;
        }
        Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: true));
        CancelTools(turn);
    }

    private void CancelTools(Turn turn)
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
            if (recorded == open.Count) Abandon(turn, CancelledReason);
        });
    }

    /// <summary>
    /// Cancels while the turn waits for a lane, a retry or the model's response: the turn ends now. A response in
    /// flight is abandoned (see <see cref="_abandoned"/>); a lane granted later goes straight back.
    /// </summary>
    private void CancelAtOnce(Turn turn)
    {
        Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: true));
        if (turn is { Lease: not null, RequestOnWire: true }) AbandonResponse(turn);
        Abandon(turn, CancelledReason);
    }

    private void AbandonResponse(Turn turn)
    {
        _abandoned[turn.Lease!.LeaseId] = turn.Lease;
        // Over HTTP the request is aborted; a WebSocket has no cancel event: the response runs out, and its end frees the lane.
        if (turn.Lease.Transport == Transport.Http) turn.Lease.Socket.Tell(new CancelRequest(turn.Lease.LeaseId));
        turn.LoseLease();
        // Whatever the server makes of the abandoned request, our last response is not what that lane holds next.
        _chainLost = true;
    }

    private bool IsOfAbandonedResponse(object message) => _abandoned.Count > 0 && message switch
    {
        ModelEvent e => _abandoned.ContainsKey(e.LeaseId),
        ModelRequestFailed failed => _abandoned.ContainsKey(failed.LeaseId),
        LaneRetired retired => _abandoned.ContainsKey(retired.LeaseId),
        LaneLost lost => _abandoned.ContainsKey(lost.LeaseId),
        _ => false,
    };

    /// <summary>A late event of the abandoned response: ignored, but its end gives the lane back, cold (the lane now holds that response).</summary>
    private void OnAbandonedResponse(object message)
    {
        switch (message)
        {
            case ModelEvent { LeaseId: var leaseId, Event: ResponseLifecycleEvent { IsTerminal: true } done }:
                _deps.ConnectionManager.Tell(new ReleaseLane(leaseId, done.Response.Id));
                _abandoned.Remove(leaseId);
                break;
            // An error evicted what the lane held for us; a failed or refused send left it as it was: cold either way.
            case ModelEvent { LeaseId: var leaseId, Event: ServerErrorEvent }:
                ReleaseAbandonedCold(leaseId);
                break;
            case ModelRequestFailed failed:
                ReleaseAbandonedCold(failed.LeaseId);
                break;
            case LaneRetired retired:
                ReleaseAbandonedCold(retired.LeaseId);
                break;
            // The manager has freed it already.
            case LaneLost lost:
                _abandoned.Remove(lost.LeaseId);
                break;
        }
    }

    private void ReleaseAbandonedCold(long leaseId)
    {
        _deps.ConnectionManager.Tell(new ReleaseLane(leaseId, null, Cold: true));
        _abandoned.Remove(leaseId);
    }

    /// <summary>
    /// Deletes the snapshots, then the events: each step that fails leaves a conversation that recovers whole (events
    /// without snapshots replay in full), never one that a leftover snapshot would bring back without its events. A
    /// snapshot still being saved would land after the delete, so the delete waits for it. Deleting every event
    /// purges the persistence id from the node's journals (DirectReplaySqlJournal): no row, tag or snapshot of it stays.
    /// </summary>
    private void OnDelete(Turn? turn)
    {
        var sender = Sender;
        if (!Exists)
        {
            sender.Tell(new ConversationDeleted(_conversationId, Existed: false));
            return;
        }
        foreach (var worker in Context.GetChildren()) Context.Stop(worker);
        Timers.CancelAll();
        // Its response would keep the lane busy: kept aside until it ends, as for a cancel.
        if (turn is { Lease: not null, RequestOnWire: true }) AbandonResponse(turn);
        else if (turn is not null) ReleaseLease(turn, lastResponseId: null);
        // Whoever waits for the open turn (a run, the bench, a typed client) learns it ends here.
        if (_state.TurnOpen) Publish(new TurnFailed(_conversationId, _state.TurnMessageIds, DeletedReason));
        Become(Deleting(sender));
        DeleteSnapshotsWhenSettled();
    }

    /// <summary>Bounded by the snapshot store's and the journal's circuit breakers: each answers a failure at their call timeout.</summary>
    private Receive Deleting(IActorRef requester) => message =>
    {
        switch (message)
        {
            case SaveSnapshotSuccess saved:
                OnSnapshotSaved(saved);
                DeleteSnapshotsWhenSettled();
                break;
            case SaveSnapshotFailure failed:
                OnSnapshotFailed(failed);
                DeleteSnapshotsWhenSettled();
                break;
            // The older snapshots' delete asked by a snapshot saved just before has the same answer: only ours follows.
            case DeleteSnapshotsSuccess deleted:
                if (deleted.Criteria.MaxSequenceNr == long.MaxValue) DeleteMessages(LastSequenceNr);
                break;
            case DeleteSnapshotsFailure failed:
                if (failed.Criteria.MaxSequenceNr == long.MaxValue) FailDelete(requester, "its snapshots", failed.Cause);
                break;
            case DeleteMessagesSuccess:
                _state = ConversationState.Empty;
                // What this incarnation knew of the deleted conversation goes with it: the next one starts afresh.
                _lastInputTokens = 0;
                _warmUpResponseId = null;
                _chainLost = false;
                requester.Tell(new ConversationDeleted(_conversationId, Existed: true));
                Stash.UnstashAll();
                BecomeIdle();
                if (_subscribers.Count == 0) RequestPassivation();
                break;
            case DeleteMessagesFailure failed:
                FailDelete(requester, "its journal", failed.Cause);
                break;
            default:
                Stash.Stash();
                break;
        }
        return true;
    };

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
