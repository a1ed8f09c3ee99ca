using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Steering (<see cref="ConversationOptions.Steering"/>): a message that arrives while a response streams is persisted
/// and queued as always, then sent into that response (<c>response.steer</c>) on its lane. The successor's
/// <c>response.created</c> commits it: <see cref="SteerApplied"/> moves it from the queue into the window, and the turn
/// follows the successor. Until then the journal holds it queued, so after a crash, a failure, or any refusal it runs as
/// the next turn instead: once either way. The turn's <see cref="SteerBook"/> decides; this wires it.
/// <list type="bullet">
/// <item>Accepted, and the response ends without calls (completed, or incomplete as <c>steered</c>): the response is
/// held, unrecorded, until its automatic successor starts (<see cref="ConversationOptions.SteeringSuccessorTimeout"/>),
/// then recorded together with the steered messages.</item>
/// <item>The response stops for tool calls (<c>response.steer.pending</c>): the tools run and their recorded results go
/// in our continuation from it, whose start commits the messages.</item>
/// <item>Failed: the messages stay queued; <c>steering_not_supported</c> also marks the model on this node.</item>
/// </list>
/// </summary>
public sealed partial class ConversationActor
{
    private const string SteeringNotSupported = "steering_not_supported";

    private bool SteeringOn =>
        _state.Settings is { } settings && (settings.Steering ?? _deps.Options.Steering) && !_deps.Steering.IsUnsupported(settings.Model);

    /// <summary>Sends the queued messages not yet offered in this turn into the response streaming now; false when it sends none.</summary>
    private bool TrySteer(Turn? turn)
    {
        // response.steer exists only on a WebSocket: over HTTP a mid-turn message waits for the next turn.
        if (_state.Queued.Count == 0 || turn?.Lease is not { Transport: Transport.WebSocket } lease || turn.Steering.Streaming is not { } responseId || !SteeringOn) return false;
        var ids = turn.Steering.NotOffered(_state.Queued.Select(q => q.MessageId));
        if (ids.Count == 0) return false;
        var input = _state.Queued.Where(q => ids.Contains(q.MessageId)).Select(q => q.Message).ToList();
        lease.Socket.Tell(new SendSteer(lease.LeaseId, lease.Lane, responseId, new ResponseSteer(responseId, input).ToUtf8Bytes()));
        turn.Steering.Submit(ids);
        SteeringMetrics.MessagesSteered(ids.Count);
        _log.Debug("Conversation {0}: steering {1} message(s) into {2}", _conversationId, ids.Count, responseId);
        return true;
    }

    /// <summary>A response of the turn started: it may commit steered messages; queued ones go into it.</summary>
    private void OnResponseStarted(Turn turn, ResponseObject response)
    {
        if (turn.Steering.Started(response.Id, turn.ContinuedFrom) is not { } commit)
        {
            TrySteer(turn);
            return;
        }
        Timers.Cancel(SuccessorWait.Instance);
        Persist(new SteerApplied(commit.MessageIds, response.Id, commit.Parent), e =>
        {
            Apply(e);
            if (commit.Parent is { } parent) Recorded(turn, parent);
            SteeringMetrics.Applied(commit.MessageIds.Count);
            _log.Debug("Conversation {0}: {1} steered message(s) applied by {2}", _conversationId, commit.MessageIds.Count, response.Id);
            TrySteer(turn);
        });
    }

    /// <summary>The response ended: false when it is held for the successor that steering starts after it.</summary>
    private bool HoldForSuccessor(Turn turn, ResponseRecorded recorded)
    {
        if (!turn.Steering.Ended(recorded)) return false;
        // The lane stays busy: the server starts the successor there by itself.
        turn.RequestOnWire = true;
        Timers.StartSingleTimer(SuccessorWait.Instance, SuccessorWait.Instance, _deps.Options.SteeringSuccessorTimeout);
        return true;
    }

    private void OnSteerEvent(Turn turn, SteerEvent e)
    {
        var outcome = turn.Steering.On(e);
        if (outcome.FellBack.Count > 0) FellBack(outcome.FellBack, outcome.Code!, e.ErrorMessage);
        if (outcome.RecordNow is not { } held) return;
        Timers.Cancel(SuccessorWait.Instance);
        turn.RequestOnWire = false;
        RecordResponse(turn, held);
    }

    /// <summary>No successor started in time: the held response is recorded alone, on a lane given up (the server may still start it there).</summary>
    private void OnSuccessorWait(Turn turn)
    {
        if (turn.Steering.Held is not { } held) return;
        FellBack(turn.Steering.Abandon(), "successor_timeout", $"no successor started within {_deps.Options.SteeringSuccessorTimeout}");
        _chainLost = true;
        ReleaseLeaseCold(turn);
        RecordResponse(turn, held);
    }

    /// <summary>The response steered into is lost with the request (a failure, a cancel): its messages run as the next turn.</summary>
    private void SteeringLost(Turn turn, string reason)
    {
        Timers.Cancel(SuccessorWait.Instance);
        FellBack(turn.Steering.Abandon(), "response_lost", reason);
    }

    private void FellBack(IReadOnlyList<string> messageIds, string code, string? reason)
    {
        if (messageIds.Count == 0) return;
        if (code == SteeringNotSupported && _deps.Steering.MarkUnsupported(_state.Settings!.Model))
            _log.Info("Conversation {0}: model {1} does not support steering; this node queues mid-turn messages for it from now on", _conversationId, _state.Settings.Model);
        SteeringMetrics.FellBack(messageIds.Count, code);
        _log.Info("Conversation {0}: {1} steered message(s) run as the next turn instead ({2}: {3})", _conversationId, messageIds.Count, code, reason ?? "");
    }

    /// <summary>The successor of a steered response did not start within <see cref="ConversationOptions.SteeringSuccessorTimeout"/>.</summary>
    private sealed class SuccessorWait
    {
        public static readonly SuccessorWait Instance = new();
    }
}
