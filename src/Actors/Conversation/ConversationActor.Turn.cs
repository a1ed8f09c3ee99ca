using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Actors.Tools;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>The turn: leasing a lane, sending requests, recording responses, running tools, retrying.</summary>
public sealed partial class ConversationActor
{
    /// <summary>
    /// Set when the server no longer holds our chain where we sent it (previous_response_not_found, any error answer to a
    /// continuation with store=false, a stalled or cancelled response): the next send is full, in this turn or the next.
    /// </summary>
    private bool _chainLost;

    private void StartTurn()
    {
        SetReceiveTimeout(null);
        SendNext(new Turn());
    }

    /// <summary>Sends what the state says is next, leasing a lane first when none is held.</summary>
    private void SendNext(Turn turn)
    {
        if (_state.CapBeforeSending(_deps.Options.MaxRoundsPerTurn, _deps.Options.MaxToolCallsPerTurn) is { } cap)
        {
            EndTurnAtCap(turn, cap);
            return;
        }
        turn.CompactInBand = false;
        if (CompactionDue())
        {
            if (_deps.Options.InBandCompaction) turn.CompactInBand = true;
            else
            {
                StartCompaction(turn);
                return;
            }
        }
        if (turn.Lease is not { } lease)
        {
            AskForLane();
            Become(AwaitingLane(turn));
            return;
        }

        var plan = NextRequestPlanner.Plan(_state, lease.CachedResponseId, _chainLost || !_deps.Options.UseContinuation, _warmUpResponseId, lease.Transport);
        var payload = WithCompactionTrigger(turn, plan.ToRequest(_state.Settings!, ToolDeclarations(), ServerSideCompaction()) with { StreamId = lease.StreamId }).ToUtf8Bytes();
        turn.ContinuedFrom = plan.PreviousResponseId;
        FellBack(turn.Steering.Sending(plan.PreviousResponseId), "not_continued", "the next request does not continue the steered response");
        lease.Socket.Tell(new SendRequest(lease.LeaseId, lease.Lane, payload));
        turn.RequestOnWire = true;
        turn.Sent(plan.Kind, payload.Length);
        EngineMetrics.RequestSent(plan.Kind, payload.Length, turn.ModelResponses);
        ConnectionMetrics.RequestSent(plan.Kind == SendKind.Continuation, cacheMiss: plan.Kind == SendKind.Full && _state.LastResponseId is not null);
        TraceRequestSent(plan.Kind, payload.Length);
        Become(AwaitingModel(turn));
    }

    /// <summary>Asks the manager for a lane; <see cref="ConversationOptions.LeaseTimeout"/> bounds the wait for its answer.</summary>
    private void AskForLane()
    {
        _deps.ConnectionManager.Tell(new AcquireLane(_conversationId));
        Timers.StartSingleTimer(LeaseWait.Instance, LeaseWait.Instance, _deps.Options.LeaseTimeout);
    }

    private Receive AwaitingLane(Turn turn) => message =>
    {
        switch (message)
        {
            case LaneGranted granted:
                Timers.Cancel(LeaseWait.Instance);
                // A retry timer of an earlier refusal would otherwise send a second request on this lane.
                Timers.Cancel(Retry.Instance);
                turn.Lease = granted.Lease;
                SendNext(turn);
                return true;
            case LaneUnavailable unavailable:
                Timers.Cancel(LeaseWait.Instance);
                RetryLater(turn, unavailable.Reason);
                return true;
            case Retry: AskForLane(); return true;
            // The manager keeps the request queued: a grant that comes later goes straight back (Common).
            case LeaseWait: Abandon(turn, $"no lane was granted within {_deps.Options.LeaseTimeout}"); return true;
            case CancelTurn: CancelAtOnce(turn); return true;
            default: return Common(message, turn);
        }
    };

    /// <summary>Bounded by the socket: a response silent for its idle timeout ends as a stalled <see cref="ModelRequestFailed"/>.</summary>
    private Receive AwaitingModel(Turn turn) => message =>
    {
        switch (message)
        {
            case ModelEvent e when e.LeaseId == turn.Lease?.LeaseId: OnModelEvent(turn, e.Event); return true;
            case ModelRequestFailed failed when failed.LeaseId == turn.Lease?.LeaseId:
                turn.RequestOnWire = false;
                TransportFailed(turn, failed.Reason, failed.Stalled);
                return true;
            case LaneLost lost when lost.LeaseId == turn.Lease?.LeaseId:
                turn.RequestOnWire = false;
                TransportFailed(turn, lost.Reason);
                return true;
            // Refused before anything was sent (the socket is closing): nothing to void, send again at once elsewhere.
            case LaneRetired retired when retired.LeaseId == turn.Lease?.LeaseId:
                turn.RequestOnWire = false;
                SteeringLost(turn, "its socket was closing");
                ReleaseLease(turn, lastResponseId: null);
                ConnectionMetrics.Retried("socket_retiring");
                SendNext(turn);
                return true;
            case Retry: SendNext(turn); return true;
            case SuccessorWait: OnSuccessorWait(turn); return true;
            case CancelTurn: CancelAtOnce(turn); return true;
            default: return Common(message, turn);
        }
    };

    /// <summary>Bounded by the tool workers: a call that passes its timeout is answered with an error output.</summary>
    private Receive RunningTools(Turn turn) => message =>
    {
        switch (message)
        {
            case ToolWorker.Completed completed: RecordToolResult(turn, completed); return true;
            case GetConversationStatus: Sender.Tell(Status()); return true;
        }
        // While tool results are being written, everything else waits, as it would behind a Persist: only results
        // (each written at once) and read-only status queries go through. A client's result waits too, so that its
        // repeat finds the first one recorded.
        if (turn.ResultsBeingWritten == 0) return OnClientToolMessage(turn, message) || Common(message, turn);
        Stash.Stash();
        return true;
    };

    private void OnModelEvent(Turn turn, ServerEvent e)
    {
        switch (e)
        {
            case OutputTextDeltaEvent delta:
                Publish(new AssistantTextDelta(_conversationId, delta.Delta));
                break;
            case ResponseLifecycleEvent { Type: ServerEventTypes.ResponseCreated } created:
                OnResponseStarted(turn, created.Response);
                break;
            case SteerEvent steer:
                OnSteerEvent(turn, steer);
                break;
            case ResponseLifecycleEvent { Type: ServerEventTypes.ResponseCompleted or ServerEventTypes.ResponseIncomplete } done:
                turn.RequestOnWire = false;
                var recorded = new ResponseRecorded(done.Response.Id, done.Response.Output, done.Response.Usage, SentInFull: turn.LastSent == SendKind.Full);
                if (HoldForSuccessor(turn, recorded)) break;
                if (turn.CompactInBand && InBandCompaction.Split(_state.Window, recorded) is { } compacted) RecordCompactedResponse(turn, compacted.Window, compacted.Response);
                else RecordResponse(turn, recorded);
                break;
            case ResponseLifecycleEvent { Type: ServerEventTypes.ResponseFailed } failed:
                turn.RequestOnWire = false;
                ServerFailed(turn, new ApiError(null, failed.Response.Error?.Code, failed.Response.Error?.Message ?? "the response failed"));
                break;
            case ServerErrorEvent error:
                turn.RequestOnWire = false;
                ServerFailed(turn, error.Error);
                break;
        }
    }

    private void RecordResponse(Turn turn, ResponseRecorded recorded)
    {
        var answered = _state.TurnMessageIds;
        var received = Stopwatch.GetTimestamp();
        // The turn's last response frees its lane now, not after the write: the socket serves another conversation
        // meanwhile. The lane keeps the response cached for this conversation; should the write fail, the recovered
        // conversation does not know that response, and its next request there goes in full.
        if (_state.IsLastOfTurn(recorded)) ReleaseLease(turn, recorded.ResponseId);
        Persist(recorded, e =>
        {
            ConversationTelemetry.JournalWritten(received, "response");
            Apply(e);
            Recorded(turn, recorded);

            if (_state.Phase == ConversationPhase.RunningTools && _state.LastResponseId == recorded.ResponseId)
            {
                DispatchTools(turn);
                EngineMetrics.ToolsDispatchedAfterResponse(received);
                return;
            }
            var text = string.Concat(recorded.Output.Where(i => i.Type == ItemTypes.Message).Select(i => i.Text));
            Publish(new TurnCompleted(_conversationId, answered, recorded.ResponseId, text, turn.ToStats()));
            FinishTurn(turn);
        });
    }

    /// <summary>A response of the turn is in the journal: the chain continues from it.</summary>
    private void Recorded(Turn turn, ResponseRecorded recorded)
    {
        _warmUpResponseId = null;
        _chainLost = false;
        turn.FailedSends = 0;
        turn.CompactedForSize = false;
        if (turn.Lease is not null) turn.Lease = turn.Lease with { CachedResponseId = recorded.ResponseId };
        // An in-band compaction's usage counts the context it compacted: the next request is not due again for it.
        _lastInputTokens = turn.CompactInBand ? 0 : recorded.Usage?.InputTokens ?? 0;
        turn.ModelResponses++;
    }

    private void DispatchTools(Turn turn)
    {
        if (_state.TurnCapReached(_deps.Options.MaxRoundsPerTurn, _deps.Options.MaxToolCallsPerTurn) is { } cap)
        {
            EndTurnAtCap(turn, cap);
            return;
        }
        var calls = new List<ToolCall>();
        foreach (var call in ClientToolCalls.ForNode(_state))
        {
            _log.Debug("Conversation {0}: tool {1} call {2} started", _conversationId, call.Name, call.CallId);
            calls.Add(new ToolCall(call.CallId, call.Name, call.Arguments));
            Publish(new ToolCallStarted(_conversationId, call.CallId, call.Name, call.Arguments));
        }
        if (calls.Count > 0) Context.ActorOf(ToolWorker.Props(_deps.Tools, _conversationId, calls));
        AwaitClientCalls();
        Become(RunningTools(turn));
    }

    /// <summary>
    /// Writes the result at once, without waiting for the writes of the round's other results: asynchronous persist,
    /// so that results keep arriving while earlier ones are written. Akka's persistence sends the results that arrive
    /// while a write is in flight together in the next write (Eventsourced holds its journal batch back meanwhile),
    /// and the journal commits everything that queued together, so a round's results share a commit or two.
    /// <see cref="RunningTools"/> stashes everything else until the last write completes, as a Persist would.
    /// </summary>
    private void RecordToolResult(Turn turn, ToolWorker.Completed completed)
    {
        var outcome = completed.Outcome;
        RecordToolResult(turn, new ToolResultRecorded(completed.CallId, Item.FunctionCallOutput(completed.CallId, outcome.Output), outcome.IsError), completed.Name, outcome.Output, outcome.Duration);
    }

    /// <summary>Writes one call's result, whichever side ran it; <paramref name="written"/> runs once it is in the journal.</summary>
    /// <param name="output">The result's output text, as in <paramref name="result"/>'s item (which would have to be read back).</param>
    private void RecordToolResult(Turn turn, ToolResultRecorded result, string name, string output, TimeSpan duration, Action? written = null)
    {
        if (!_state.AwaitsResult(result.CallId)) return;
        if (!turn.StartWriting(result.CallId)) return;

        var received = Stopwatch.GetTimestamp();
        PersistAsync(result, e =>
        {
            ConversationTelemetry.JournalWritten(received, "tool_results");
            turn.Written(e.CallId);
            Apply(e);
            _log.Debug("Conversation {0}: result of call {1} recorded", _conversationId, e.CallId);
            turn.ToolCalls++;
            written?.Invoke();
            Publish(new ToolCallFinished(_conversationId, e.CallId, name, output, e.IsError, duration));
            if (_state.Phase == ConversationPhase.AwaitingModel) SendNext(turn);
            if (_state.Phase == ConversationPhase.AwaitingModel) EngineMetrics.RequestSentAfterToolResults(received);
            if (turn.ResultsBeingWritten == 0) Stash.UnstashAll();
        });
    }

    private void ServerFailed(Turn turn, ApiError error) =>
        Act(turn, SendFailurePolicy.OnError(error, turn.LastSent, _state.Settings!.Store), error, error.ToString(), error.RetryAfter);

    /// <summary>
    /// The response is lost (its socket died, or it stalled and its socket retires): partial output is void; the lane
    /// is given back (when its socket died the manager has already freed it) and the request goes again elsewhere.
    /// </summary>
    private void TransportFailed(Turn turn, string reason, bool stalled = false) =>
        Act(turn, SendFailurePolicy.OnTransportFailure(stalled), error: null, reason, retryAfter: null);

    /// <summary>Carries out what <see cref="SendFailurePolicy"/> decided.</summary>
    private void Act(Turn turn, SendFailureDecision decision, ApiError? error, string failure, TimeSpan? retryAfter)
    {
        SteeringLost(turn, failure);
        if (decision.SendInFull && !_chainLost)
        {
            _chainLost = true;
            if (turn.LastSent == SendKind.Continuation)
            {
                turn.ChainResets++;
                ConnectionMetrics.ChainReset(decision.Reason);
            }
        }
        switch (decision.Action)
        {
            case SendFailureAction.RetryNow:
                SendNext(turn);
                return;
            case SendFailureAction.RetryLater:
                ConnectionMetrics.Retried(decision.Reason);
                RetryLater(turn, failure);
                return;
            case SendFailureAction.Pause:
                // The whole endpoint pauses (the manager holds every socket's sends); this request waits as long.
                // Not a failed attempt: a long 429 period delays the turn but never abandons it.
                var wait = retryAfter ?? TimeSpan.FromSeconds(1);
                _deps.ConnectionManager.Tell(new EndpointThrottled(wait));
                ConnectionMetrics.Retried(decision.Reason);
                _log.Info("Conversation {0}: rate limited; sending again in {1:0} ms", _conversationId, wait.TotalMilliseconds);
                Timers.StartSingleTimer(Retry.Instance, Retry.Instance, wait);
                return;
            case SendFailureAction.MoveNow:
                MoveOff(turn, decision);
                SendNext(turn);
                return;
            case SendFailureAction.MoveLater:
                MoveOff(turn, decision);
                RetryLater(turn, failure);
                return;
            case SendFailureAction.Shrink:
                RequestTooLarge(turn, error!);
                return;
            default:
                Abandon(turn, $"the server rejected the request: {failure}");
                return;
        }
    }

    private void MoveOff(Turn turn, SendFailureDecision decision)
    {
        // Cold when the error evicted our parent there: no later holder, nor this one after a restart, is warm on it.
        if (_chainLost) ReleaseLeaseCold(turn);
        else ReleaseLease(turn, lastResponseId: null);
        ConnectionMetrics.Retried(decision.Reason);
    }

    private void RetryLater(Turn turn, string reason)
    {
        turn.FailedSends++;
        if (turn.FailedSends >= _deps.Options.MaxSendAttempts)
        {
            Abandon(turn, $"gave up after {turn.FailedSends} failed attempts; last: {reason}");
            return;
        }
        var delay = ReconnectBackoff.Delay(turn.FailedSends, _deps.Options.RetryMinBackoff, _deps.Options.RetryMaxBackoff, Random.Shared.NextDouble());
        _log.Info("Conversation {0}: attempt {1} failed ({2}); retrying in {3:0} ms", _conversationId, turn.FailedSends, reason, delay.TotalMilliseconds);
        Timers.StartSingleTimer(Retry.Instance, Retry.Instance, delay);
    }

    private void Abandon(Turn turn, string reason)
    {
        var answered = _state.TurnMessageIds;
        Persist(new TurnAbandoned(reason), e =>
        {
            Apply(e);
            _log.Warning("Conversation {0}: turn abandoned: {1}", _conversationId, reason);
            Publish(new TurnFailed(_conversationId, answered, reason));
            FinishTurn(turn);
        });
    }

    private void FinishTurn(Turn turn)
    {
        Timers.Cancel(Retry.Instance);
        Timers.Cancel(LeaseWait.Instance);
        Timers.Cancel(CompactionWait.Instance);
        Timers.Cancel(SuccessorWait.Instance);
        // After an error on a continuation the lane no longer holds our last response (the server evicted it): cold.
        if (_chainLost) ReleaseLeaseCold(turn);
        else ReleaseLease(turn, _state.LastResponseId is { } id && turn.Lease?.CachedResponseId == id ? id : null);
        if (_state.TurnOpen) StartTurn();
        else BecomeIdle();
    }

    private void ReleaseLease(Turn turn, string? lastResponseId)
    {
        if (turn.Lease is null) return;
        _deps.ConnectionManager.Tell(new ReleaseLane(turn.Lease.LeaseId, lastResponseId));
        turn.LoseLease();
    }

    private void ReleaseLeaseCold(Turn turn)
    {
        if (turn.Lease is null) return;
        _deps.ConnectionManager.Tell(new ReleaseLane(turn.Lease.LeaseId, null, Cold: true));
        turn.LoseLease();
    }

    /// <summary>The backoff before a request goes again (or a lane is asked for again) is over.</summary>
    private sealed class Retry
    {
        public static readonly Retry Instance = new();
    }

    /// <summary>No lane was granted within <see cref="ConversationOptions.LeaseTimeout"/>.</summary>
    private sealed class LeaseWait
    {
        public static readonly LeaseWait Instance = new();
    }

    /// <summary>
    /// What one turn knows beyond the journal: the lane it holds, its attempts, its counters (reported with
    /// <see cref="TurnCompleted"/>). Made when the turn starts and handed from wait to wait; touched on the actor's
    /// thread only.
    /// </summary>
    private sealed class Turn
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _bytesSent;
        private int _continuations;
        private int _fullSends;
        /// <summary>Call ids of the results handed to the journal and not yet confirmed; made at the first.</summary>
        private HashSet<string>? _resultsBeingWritten;

        public LaneLease? Lease { get; set; }

        /// <summary>The previous response id of the request sent last (null: a full send); its successor commits what was steered into it.</summary>
        public string? ContinuedFrom { get; set; }

        public SteerBook Steering { get; } = new();

        /// <summary>The request sent last ends with a <c>compaction_trigger</c>: its response carries the compacted window.</summary>
        public bool CompactInBand { get; set; }

        /// <summary>A request went out on <see cref="Lease"/> and its response has not ended: the lane is busy on the server.</summary>
        public bool RequestOnWire { get; set; }

        public SendKind LastSent { get; private set; }

        /// <summary>Failed sends of the current request in a row.</summary>
        public int FailedSends { get; set; }

        /// <summary>Set when a too-large refusal was answered with a compaction since the last recorded response.</summary>
        public bool CompactedForSize { get; set; }

        public int ModelResponses { get; set; }

        public int ToolCalls { get; set; }

        public int ChainResets { get; set; }

        public int ResultsBeingWritten => _resultsBeingWritten?.Count ?? 0;

        public void Sent(SendKind kind, int bytes)
        {
            LastSent = kind;
            _bytesSent += bytes;
            if (kind == SendKind.Continuation) _continuations++;
            else _fullSends++;
        }

        /// <summary>The lane is gone (given back, lost or abandoned with its response).</summary>
        public void LoseLease()
        {
            Lease = null;
            RequestOnWire = false;
        }

        /// <summary>False when the result of <paramref name="callId"/> is being written already.</summary>
        public bool StartWriting(string callId) => (_resultsBeingWritten ??= []).Add(callId);

        public void Written(string callId) => _resultsBeingWritten?.Remove(callId);

        public TurnStats ToStats() =>
            new(ModelResponses, ToolCalls, _bytesSent, _continuations, _fullSends, ChainResets, Stopwatch.GetElapsedTime(_started));
    }
}
