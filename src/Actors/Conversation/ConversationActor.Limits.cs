using System.Text.Json.Nodes;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// What keeps one message from poisoning a conversation or writing without end. A turn ends at its caps on responses
/// and tool calls, its unrun calls answered with error outputs so the window stays sendable. A request the server
/// refuses as too large is compacted and sent again once; refused again (or with nothing to compact with), the turn
/// fails and its input leaves the window for a placeholder (<see cref="TurnInputDropped"/>), so the next message is
/// answered.
/// </summary>
public sealed partial class ConversationActor
{
    /// <summary>Ends the turn without running its open calls: each gets an error output, then the turn is abandoned with the cap's reason.</summary>
    private void EndTurnAtCap(Turn turn, TurnCap cap)
    {
        var reason = (cap.Kind == TurnCapKind.Rounds
            ? $"the turn reached its cap of {cap.Limit} model responses (orchestrator.conversation.max-rounds-per-turn)"
            : $"the turn's responses asked for {_state.TurnToolCalls} tool calls, over its cap of {cap.Limit} (orchestrator.conversation.max-tool-calls-per-turn)")
            + (cap.NotRun > 0 ? $"; the {cap.NotRun} tool calls of the last one were not run" : "");
        ConversationLimitMetrics.TurnCapped(cap.Kind == TurnCapKind.Rounds ? "rounds" : "tool_calls");
        var output = NotRunOutput(cap.Kind == TurnCapKind.Rounds ? "orchestrator.conversation.max-rounds-per-turn" : "orchestrator.conversation.max-tool-calls-per-turn");
        var results = _state.CallsWithoutResult.Select(c => new ToolResultRecorded(c.CallId, Item.FunctionCallOutput(c.CallId, output), IsError: true)).ToList();
        if (results.Count == 0)
        {
            Abandon(turn, reason);
            return;
        }
        var recorded = 0;
        PersistAll(results, e =>
        {
            Apply(e);
            if (++recorded == results.Count) Abandon(turn, reason);
        });
    }

    /// <summary>
    /// The error output of a call the cap kept from running: the model sees why, should the conversation go on. Short,
    /// as a response may have hundreds of calls and every one gets it.
    /// </summary>
    public static string NotRunOutput(string capKey) =>
        new JsonObject { ["error"] = new JsonObject { ["kind"] = "not_run", ["message"] = $"not run: the turn reached its cap ({capKey})" } }.ToJsonString();

    private void RequestTooLarge(Turn turn, ApiError error)
    {
        // The lane is of no more use to this request: an error evicts its parent, and a server closes the connection
        // after a frame over its limit. The next send, on a new lease, is a new chain either way.
        ReleaseLease(turn, lastResponseId: null);
        var refused = $"the server refused the request as too large ({error})";
        if (OversizedRequest.Compacts(turn.CompactedForSize, _deps.Compactor is not null, _state.TurnCompactions, _deps.Options.MaxCompactionsPerTurn))
        {
            turn.CompactedForSize = true;
            ConversationLimitMetrics.RequestTooLarge("compacted");
            _log.Info("Conversation {0}: {1}; compacting the window and sending again", _conversationId, refused);
            StartCompaction(turn, refused);
            return;
        }
        DropTurnInput(turn, turn.CompactedForSize ? $"{refused}, even compacted" : refused);
    }

    /// <summary>Fails the turn and takes its input out of the window (the state decides which items go).</summary>
    private void DropTurnInput(Turn turn, string reason)
    {
        ConversationLimitMetrics.RequestTooLarge("dropped");
        var answered = _state.TurnMessageIds;
        Persist(new TurnInputDropped(reason), e =>
        {
            Apply(e);
            _log.Warning("Conversation {0}: turn failed, its input dropped from the window: {1}", _conversationId, reason);
            Publish(new TurnFailed(_conversationId, answered, reason));
            FinishTurn(turn);
        });
    }
}
