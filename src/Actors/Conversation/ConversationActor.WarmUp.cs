using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Warm-up (<see cref="ConversationOptions.WarmUp"/>): a conversation created explicitly takes its first lease at once
/// and sends <c>generate:false</c> with its instructions and tools and no input, so that the server has prepared them
/// before the first user turn. The lane is given back with that response as its cache, so the first turn, leasing it
/// again by affinity, continues from it. Best effort: any failure leaves the first turn a full send, as without it.
/// Messages that change the conversation wait for the one round trip.
/// </summary>
public sealed partial class ConversationActor
{
    /// <summary>The warm-up's response until the first real one heads the chain. Not persisted: no socket, and so no cache, outlives the process.</summary>
    private string? _warmUpResponseId;

    private void StartWarmUp()
    {
        _deps.ConnectionManager.Tell(new AcquireLane(_conversationId));
        Become(WarmingUp);
    }

    private void WarmingUp()
    {
        Command<LaneGranted>(granted =>
        {
            _lease = granted.Lease;
            var request = NextRequestPlanner.WarmUp(_state.Settings!, _deps.ToolDeclarations) with { StreamId = _lease.StreamId };
            _lease.Socket.Tell(new SendRequest(_lease.LeaseId, _lease.Lane, request.ToUtf8Bytes()));
            ConnectionMetrics.RequestSent(continuation: false, cacheMiss: false);
        });
        Command<ModelEvent>(
            e => e.LeaseId == _lease?.LeaseId && (e.Event is ServerErrorEvent || e.Event is ResponseLifecycleEvent { IsTerminal: true }),
            e =>
            {
                if (e.Event is ResponseLifecycleEvent { Type: ServerEventTypes.ResponseCompleted } done) EndWarmUp(done.Response.Id);
                else EndWarmUp(null, $"the server answered {e.Event.Type}");
            });
        Command<ModelRequestFailed>(failed => failed.LeaseId == _lease?.LeaseId, failed => EndWarmUp(null, failed.Reason));
        Command<LaneLost>(lost => lost.LeaseId == _lease?.LeaseId, lost => EndWarmUp(null, lost.Reason));
        Command<LaneRetired>(retired => retired.LeaseId == _lease?.LeaseId, _ => EndWarmUp(null, "its connection was closing"));
        Command<LaneUnavailable>(unavailable => EndWarmUp(null, unavailable.Reason));
        Command<SendMessage>(_ => Stash.Stash());
        Command<CancelTurn>(_ => Stash.Stash());
        Command<DeleteConversation>(_ => Stash.Stash());
        Common();
    }

    private void EndWarmUp(string? responseId, string? failure = null)
    {
        if (failure is not null) _log.Info("Conversation {0}: warm-up skipped ({1}); the first turn sends in full", _conversationId, failure);
        _warmUpResponseId = responseId;
        ReleaseLease(responseId);
        BecomeIdle();
        Stash.UnstashAll();
    }
}
