using System.Diagnostics;
using System.Text;
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
    private LaneLease? _lease;
    /// <summary>
    /// Set when the server no longer holds our chain where we sent it (previous_response_not_found, any error answer to a
    /// continuation with store=false, a stalled or cancelled response): the next send is full, in this turn or the next.
    /// </summary>
    private bool _chainLost;
    /// <summary>A request went out on <see cref="_lease"/> and its response has not ended: the lane is busy on the server.</summary>
    private bool _requestOnWire;
    private SendKind _lastSent;
    private int _failedSends;
    private TurnCounters _turn = new();
    private readonly StringBuilder _streamedText = new();
    /// <summary>Call ids of the results handed to the journal and not yet confirmed.</summary>
    private readonly HashSet<string> _resultsBeingWritten = [];

    private void StartTurn()
    {
        SetReceiveTimeout(null);
        _turn = new TurnCounters();
        _failedSends = 0;
        _compactedForSize = false;
        SendNext();
    }

    /// <summary>Sends what the state says is next, leasing a lane first when none is held.</summary>
    private void SendNext()
    {
        if (_state.CapBeforeSending(_deps.Options.MaxRoundsPerTurn, _deps.Options.MaxToolCallsPerTurn) is { } cap)
        {
            EndTurnAtCap(cap);
            return;
        }
        if (CompactionDue())
        {
            StartCompaction();
            return;
        }
        if (_lease is null)
        {
            _deps.ConnectionManager.Tell(new AcquireLane(_conversationId));
            Become(AwaitingLaneBehaviour);
            return;
        }

        var plan = NextRequestPlanner.Plan(_state, _lease.CachedResponseId, _chainLost || !_deps.Options.UseContinuation, _warmUpResponseId);
        var payload = (plan.ToRequest(_state.Settings!, _deps.ToolDeclarations, ServerSideCompaction()) with { StreamId = _lease.StreamId }).ToUtf8Bytes();
        _lease.Socket.Tell(new SendRequest(_lease.LeaseId, _lease.Lane, payload));
        _requestOnWire = true;
        _streamedText.Clear();
        _turn.Sent(plan.Kind, payload.Length);
        _lastSent = plan.Kind;
        EngineMetrics.RequestSent(plan.Kind, payload.Length, _turn.ModelResponses);
        ConnectionMetrics.RequestSent(plan.Kind == SendKind.Continuation, cacheMiss: plan.Kind == SendKind.Full && _state.LastResponseId is not null);
        TraceRequestSent(plan.Kind, payload.Length);
        Become(AwaitingModelBehaviour);
    }

    // The turn's behaviours are entered twice per model turn. Each is one delegate made once per actor, passed to the
    // plain Become: ReceivePersistentActor's Become(Action) builds a behaviour's handler table anew on every call, 6.5 %
    // of what a warm node allocated (BENCHMARKS.md). The other behaviours are entered once a turn or less and keep it.
    private UntypedReceive? _awaitingLane, _awaitingModel, _runningTools;
    private UntypedReceive AwaitingLaneBehaviour => _awaitingLane ??= Receiving(AwaitingLane);
    private UntypedReceive AwaitingModelBehaviour => _awaitingModel ??= Receiving(AwaitingModel);
    private UntypedReceive RunningToolsBehaviour => _runningTools ??= Receiving(RunningTools);

    private UntypedReceive Receiving(Func<object, bool> behaviour) => message =>
    {
        if (!behaviour(message)) Unhandled(message);
    };

    private bool AwaitingLane(object message)
    {
        switch (message)
        {
            case LaneGranted granted:
                // A retry timer of an earlier refusal would otherwise send a second request on this lane.
                Timers.Cancel(Retry.Instance);
                _lease = granted.Lease;
                SendNext();
                return true;
            case LaneUnavailable unavailable: RetryLater(unavailable.Reason); return true;
            case Retry: _deps.ConnectionManager.Tell(new AcquireLane(_conversationId)); return true;
            case CancelTurn: CancelAtOnce(); return true;
            default: return HandleCommon(message);
        }
    }

    private bool AwaitingModel(object message)
    {
        switch (message)
        {
            case ModelEvent e when e.LeaseId == _lease?.LeaseId: OnModelEvent(e.Event); return true;
            case ModelRequestFailed failed when failed.LeaseId == _lease?.LeaseId:
                _requestOnWire = false;
                TransportFailed(failed.Reason, failed.Stalled);
                return true;
            case LaneLost lost when lost.LeaseId == _lease?.LeaseId:
                _requestOnWire = false;
                TransportFailed(lost.Reason);
                return true;
            // Refused before anything was sent (the socket is closing): nothing to void, send again at once elsewhere.
            case LaneRetired retired when retired.LeaseId == _lease?.LeaseId:
                _requestOnWire = false;
                ReleaseLease(lastResponseId: null);
                ConnectionMetrics.Retried("socket_retiring");
                SendNext();
                return true;
            case Retry: SendNext(); return true;
            case CancelTurn: CancelAtOnce(); return true;
            default: return HandleCommon(message);
        }
    }

    private bool RunningTools(object message)
    {
        switch (message)
        {
            case ToolWorker.Completed completed: RecordToolResult(completed); return true;
            case GetConversationStatus: Sender.Tell(Status()); return true;
        }
        // While tool results are being written, everything else waits, as it would behind a Persist: only results
        // (each written at once) and read-only status queries go through.
        if (_resultsBeingWritten.Count == 0) return HandleCommon(message);
        Stash.Stash();
        return true;
    }

    private void OnModelEvent(ServerEvent e)
    {
        switch (e)
        {
            case OutputTextDeltaEvent delta:
                _streamedText.Append(delta.Delta);
                Publish(new AssistantTextDelta(_conversationId, delta.Delta));
                break;
            case ResponseLifecycleEvent { Type: ServerEventTypes.ResponseCompleted or ServerEventTypes.ResponseIncomplete } done:
                _requestOnWire = false;
                RecordResponse(done.Response);
                break;
            case ResponseLifecycleEvent { Type: ServerEventTypes.ResponseFailed } failed:
                _requestOnWire = false;
                ServerFailed(new ApiError(null, failed.Response.Error?.Code, failed.Response.Error?.Message ?? "the response failed"));
                break;
            case ServerErrorEvent error:
                _requestOnWire = false;
                ServerFailed(error.Error);
                break;
        }
    }

    private void RecordResponse(ResponseObject response)
    {
        var answered = _state.TurnMessageIds;
        var received = Stopwatch.GetTimestamp();
        var recorded = new ResponseRecorded(response.Id, response.Output, response.Usage, SentInFull: _lastSent == SendKind.Full);
        // The turn's last response frees its lane now, not after the write: the socket serves another conversation
        // meanwhile. The lane keeps the response cached for this conversation; should the write fail, the recovered
        // conversation does not know that response, and its next request there goes in full.
        if (_state.IsLastOfTurn(recorded)) ReleaseLease(response.Id);
        Persist(recorded, e =>
        {
            ConversationTelemetry.JournalWritten(received, "response");
            Apply(e);
            _warmUpResponseId = null;
            _chainLost = false;
            _failedSends = 0;
            _compactedForSize = false;
            if (_lease is not null) _lease = _lease with { CachedResponseId = response.Id };
            _lastInputTokens = response.Usage?.InputTokens ?? 0;
            _turn.ModelResponses++;

            if (_state.Phase == ConversationPhase.RunningTools && _state.LastResponseId == response.Id)
            {
                DispatchTools();
                EngineMetrics.ToolsDispatchedAfterResponse(received);
                return;
            }
            var text = string.Concat(response.Output.Where(i => i.Type == ItemTypes.Message).Select(i => i.Text));
            Publish(new TurnCompleted(_conversationId, answered, response.Id, text, _turn.ToStats()));
            FinishTurn();
        });
    }

    private void DispatchTools()
    {
        if (_state.TurnCapReached(_deps.Options.MaxRoundsPerTurn, _deps.Options.MaxToolCallsPerTurn) is { } cap)
        {
            EndTurnAtCap(cap);
            return;
        }
        var calls = new List<ToolCall>();
        foreach (var call in _state.CallsWithoutResult)
        {
            _log.Debug("Conversation {0}: tool {1} call {2} started", _conversationId, call.Name, call.CallId);
            calls.Add(new ToolCall(call.CallId, call.Name, call.Arguments));
            Publish(new ToolCallStarted(_conversationId, call.CallId, call.Name, call.Arguments));
        }
        Context.ActorOf(ToolWorker.Props(_deps.Tools, _conversationId, calls));
        Become(RunningToolsBehaviour);
    }

    /// <summary>
    /// Writes the result at once, without waiting for the writes of the round's other results: asynchronous persist,
    /// so that results keep arriving while earlier ones are written. Akka's persistence sends the results that arrive
    /// while a write is in flight together in the next write (Eventsourced holds its journal batch back meanwhile),
    /// and the journal commits everything that queued together, so a round's results share a commit or two.
    /// <see cref="RunningTools"/> stashes everything else until the last write completes, as a Persist would.
    /// </summary>
    private void RecordToolResult(ToolWorker.Completed completed)
    {
        if (_state.CallsWithoutResult.All(c => c.CallId != completed.CallId)) return;
        if (!_resultsBeingWritten.Add(completed.CallId)) return;

        var received = Stopwatch.GetTimestamp();
        var outcome = completed.Outcome;
        PersistAsync(new ToolResultRecorded(completed.CallId, Item.FunctionCallOutput(completed.CallId, outcome.Output), outcome.IsError), e =>
        {
            ConversationTelemetry.JournalWritten(received, "tool_results");
            _resultsBeingWritten.Remove(completed.CallId);
            Apply(e);
            _log.Debug("Conversation {0}: result of call {1} recorded", _conversationId, completed.CallId);
            _turn.ToolCalls++;
            Publish(new ToolCallFinished(_conversationId, completed.CallId, completed.Name, outcome.Output, outcome.IsError, outcome.Duration));
            if (_state.Phase == ConversationPhase.AwaitingModel) SendNext();
            if (_state.Phase == ConversationPhase.AwaitingModel) EngineMetrics.RequestSentAfterToolResults(received);
            if (_resultsBeingWritten.Count == 0) Stash.UnstashAll();
        });
    }

    private void ServerFailed(ApiError error)
    {
        // Too large: retrying the same request cannot help; compaction (or dropping the turn's input) decides.
        if (OversizedRequest.IsRefusal(error))
        {
            RequestTooLarge(error);
            return;
        }
        Act(SendFailurePolicy.OnError(error, _lastSent, _state.Settings!.Store), error.ToString(), error.RetryAfter);
    }

    /// <summary>
    /// The response is lost (its socket died, or it stalled and its socket retires): partial output is void; the lane
    /// is given back (when its socket died the manager has already freed it) and the request goes again elsewhere.
    /// </summary>
    private void TransportFailed(string reason, bool stalled = false) =>
        Act(SendFailurePolicy.OnTransportFailure(stalled), reason, retryAfter: null);

    /// <summary>Carries out what <see cref="SendFailurePolicy"/> decided.</summary>
    private void Act(SendFailureDecision decision, string failure, TimeSpan? retryAfter)
    {
        if (decision.SendInFull && !_chainLost)
        {
            _chainLost = true;
            if (_lastSent == SendKind.Continuation)
            {
                _turn.ChainResets++;
                ConnectionMetrics.ChainReset(decision.Reason);
            }
        }
        switch (decision.Action)
        {
            case SendFailureAction.RetryNow:
                SendNext();
                return;
            case SendFailureAction.RetryLater:
                ConnectionMetrics.Retried(decision.Reason);
                RetryLater(failure);
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
                // Cold when the error evicted our parent there: no later holder, nor this one after a restart, is warm on it.
                if (_chainLost) ReleaseLeaseCold();
                else ReleaseLease(lastResponseId: null);
                ConnectionMetrics.Retried(decision.Reason);
                SendNext();
                return;
            case SendFailureAction.MoveLater:
                // Cold when the error evicted our parent there: no later holder, nor this one after a restart, is warm on it.
                if (_chainLost) ReleaseLeaseCold();
                else ReleaseLease(lastResponseId: null);
                ConnectionMetrics.Retried(decision.Reason);
                RetryLater(failure);
                return;
            default:
                Abandon($"the server rejected the request: {failure}");
                return;
        }
    }

    private void RetryLater(string reason)
    {
        _failedSends++;
        if (_failedSends >= _deps.Options.MaxSendAttempts)
        {
            Abandon($"gave up after {_failedSends} failed attempts; last: {reason}");
            return;
        }
        var delay = ReconnectBackoff.Delay(_failedSends, _deps.Options.RetryMinBackoff, _deps.Options.RetryMaxBackoff, Random.Shared.NextDouble());
        _log.Info("Conversation {0}: attempt {1} failed ({2}); retrying in {3:0} ms", _conversationId, _failedSends, reason, delay.TotalMilliseconds);
        Timers.StartSingleTimer(Retry.Instance, Retry.Instance, delay);
    }

    private void Abandon(string reason)
    {
        var answered = _state.TurnMessageIds;
        Persist(new TurnAbandoned(reason), e =>
        {
            Apply(e);
            _log.Warning("Conversation {0}: turn abandoned: {1}", _conversationId, reason);
            Publish(new TurnFailed(_conversationId, answered, reason));
            FinishTurn();
        });
    }

    private void FinishTurn()
    {
        Timers.Cancel(Retry.Instance);
        // After an error on a continuation the lane no longer holds our last response (the server evicted it): cold.
        if (_chainLost) ReleaseLeaseCold();
        else ReleaseLease(_state.LastResponseId is { } id && _lease?.CachedResponseId == id ? id : null);
        if (_state.TurnOpen) StartTurn();
        else BecomeIdle();
    }

    private void ReleaseLease(string? lastResponseId)
    {
        if (_lease is null) return;
        _deps.ConnectionManager.Tell(new ReleaseLane(_lease.LeaseId, lastResponseId));
        _lease = null;
        _requestOnWire = false;
    }

    private void ReleaseLeaseCold()
    {
        if (_lease is null) return;
        _deps.ConnectionManager.Tell(new ReleaseLane(_lease.LeaseId, null, Cold: true));
        _lease = null;
        _requestOnWire = false;
    }

    private sealed class Retry
    {
        public static readonly Retry Instance = new();
    }

    /// <summary>Counters of the turn in progress, reported with <see cref="TurnCompleted"/>.</summary>
    private sealed class TurnCounters
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _bytesSent;
        private int _continuations;
        private int _fullSends;
        public int ModelResponses;
        public int ToolCalls;
        public int ChainResets;

        public void Sent(SendKind kind, int bytes)
        {
            _bytesSent += bytes;
            if (kind == SendKind.Continuation) _continuations++;
            else _fullSends++;
        }

        public TurnStats ToStats() =>
            new(ModelResponses, ToolCalls, _bytesSent, _continuations, _fullSends, ChainResets, Stopwatch.GetElapsedTime(_started));
    }
}
