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
        AskForLane();
        Become(WarmingUp(lease: null));
    }

    /// <summary>Waits for a lane (<see cref="ConversationOptions.LeaseTimeout"/>), then for the warm-up's response (the socket's idle timeout).</summary>
    private Receive WarmingUp(LaneLease? lease) => message =>
    {
        switch (message)
        {
            case LaneGranted granted when lease is null:
                Timers.Cancel(LeaseWait.Instance);
                var request = NextRequestPlanner.WarmUp(_state.Settings!, ToolDeclarations()) with { StreamId = granted.Lease.StreamId };
                granted.Lease.Socket.Tell(new SendRequest(granted.Lease.LeaseId, granted.Lease.Lane, request.ToUtf8Bytes()));
                ConnectionMetrics.RequestSent(continuation: false, cacheMiss: false);
                Become(WarmingUp(granted.Lease));
                return true;
            case ModelEvent { Event: ServerErrorEvent or ResponseLifecycleEvent { IsTerminal: true } } e when e.LeaseId == lease?.LeaseId:
                if (e.Event is ResponseLifecycleEvent { Type: ServerEventTypes.ResponseCompleted } done) EndWarmUp(lease, done.Response.Id);
                else EndWarmUp(lease, null, $"the server answered {e.Event.Type}");
                return true;
            case ModelRequestFailed failed when failed.LeaseId == lease?.LeaseId: EndWarmUp(lease, null, failed.Reason); return true;
            case LaneLost lost when lost.LeaseId == lease?.LeaseId: EndWarmUp(lease, null, lost.Reason); return true;
            case LaneRetired retired when retired.LeaseId == lease?.LeaseId: EndWarmUp(lease, null, "its connection was closing"); return true;
            case LaneUnavailable unavailable: EndWarmUp(lease, null, unavailable.Reason); return true;
            case LeaseWait: EndWarmUp(lease, null, $"no lane was granted within {_deps.Options.LeaseTimeout}"); return true;
            case SendMessage or CancelTurn or DeleteConversation:
                Stash.Stash();
                return true;
            default: return Common(message, turn: null);
        }
    };

    private void EndWarmUp(LaneLease? lease, string? responseId, string? failure = null)
    {
        if (failure is not null) _log.Info("Conversation {0}: warm-up skipped ({1}); the first turn sends in full", _conversationId, failure);
        Timers.Cancel(LeaseWait.Instance);
        _warmUpResponseId = responseId;
        if (lease is not null) _deps.ConnectionManager.Tell(new ReleaseLane(lease.LeaseId, responseId));
        BecomeIdle();
        Stash.UnstashAll();
    }
}
