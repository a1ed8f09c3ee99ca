using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Calls that the conversation's client runs (<see cref="ConversationToolSettings.ClientTools"/>). In
/// <see cref="RunningTools"/>, next to the node's tool worker: the calls are written as awaited
/// (<see cref="ClientToolCallsAwaited"/>), then offered (<see cref="ToolResultRequired"/>); each posted result is
/// written once, as a node tool's is; the turn goes on at the response's last result, whichever side ran it. The wait
/// is bounded by the keyed <see cref="ClientToolWait"/> timer: calls still waiting then get a timed_out error output.
/// A recovered conversation offers its waiting calls again (a client may have missed them) and waits in full again.
/// </summary>
public sealed partial class ConversationActor
{
    private static readonly object ClientToolWaitKey = new();

    private IReadOnlyList<FunctionTool>? _declarations;
    private ConversationSettings? _declarationsFor;

    /// <summary>The function tools a request declares: the conversation's client tools (its own, most specific), then the node's.</summary>
    private IReadOnlyList<FunctionTool> ToolDeclarations()
    {
        if (_declarations is not null && ReferenceEquals(_declarationsFor, _state.Settings)) return _declarations;
        _declarationsFor = _state.Settings;
        var clients = _state.Settings?.Tools?.ClientTools ?? [];
        _declarations = clients.Count == 0
            ? _deps.ToolDeclarations
            : [.. clients.Select(t => new FunctionTool(t.Name, t.Description ?? "", t.Parameters)), .. _deps.ToolDeclarations];
        return _declarations;
    }

    private IReadOnlyList<WaitingToolCall>? WaitingToolCalls() =>
        _state.Phase == ConversationPhase.RunningTools && ClientToolCalls.Shown(_state) is { Count: > 0 } shown ? shown : null;

    /// <summary>Starts the wait for the client's calls of the last response, if it has any.</summary>
    private void AwaitClientCalls()
    {
        var waiting = ClientToolCalls.Waiting(_state);
        if (waiting.Count == 0) return;
        var timeout = ClientToolCalls.Timeout(_state.Settings, _deps.Options);
        Timers.StartSingleTimer(ClientToolWaitKey, new ClientToolWait(waiting.Select(c => c.CallId).ToList(), timeout), timeout);
        var fresh = ClientToolCalls.NotYetOffered(_state);
        foreach (var call in waiting.Where(c => c.AwaitedSince is not null)) Publish(new ToolResultRequired(_conversationId, call.CallId, call.Name, call.Arguments));
        if (fresh.Count == 0) return;
        Persist(new ClientToolCallsAwaited(fresh.Select(c => c.CallId).ToList(), DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            ClientToolMetrics.Offered(fresh.Count);
            foreach (var call in fresh) Publish(new ToolResultRequired(_conversationId, call.CallId, call.Name, call.Arguments));
        });
    }

    /// <summary>What <see cref="RunningTools"/> does with a client's result and the end of its wait; false for anything else.</summary>
    private bool OnClientToolMessage(Turn turn, object message)
    {
        switch (message)
        {
            case SubmitToolResult submit:
                RecordClientResult(turn, submit);
                return true;
            case ClientToolWait wait:
                TimeOutClientCalls(turn, wait);
                return true;
            default:
                return false;
        }
    }

    private void RecordClientResult(Turn turn, SubmitToolResult submit)
    {
        var sender = Sender;
        if (ClientToolCalls.Decide(_state, submit) is not ToolResultDecision.Record record)
        {
            AnswerToolResult(submit);
            return;
        }
        var since = _state.OpenCalls.Find(c => c.CallId == submit.CallId)?.AwaitedSince ?? DateTimeOffset.UtcNow;
        RecordToolResult(turn, record.Event, record.Name, record.Output, DateTimeOffset.UtcNow - since, () =>
        {
            ClientToolMetrics.Result("recorded");
            sender.Tell(new ToolResultAccepted(_conversationId, submit.CallId, Duplicate: false));
            if (ClientToolCalls.Waiting(_state).Count == 0) Timers.Cancel(ClientToolWaitKey);
        });
    }

    /// <summary>Answers a result that is not recorded now: a repeat, a refusal, or one that arrives while no call waits.</summary>
    private void AnswerToolResult(SubmitToolResult submit)
    {
        var decision = ClientToolCalls.Decide(_state, submit);
        switch (decision)
        {
            case ToolResultDecision.Duplicate:
                ClientToolMetrics.Result("duplicate");
                Sender.Tell(new ToolResultAccepted(_conversationId, submit.CallId, Duplicate: true));
                return;
            case ToolResultDecision.Refused refused:
                ClientToolMetrics.Result(refused.Code);
                Sender.Tell(new ToolResultRejected(_conversationId, submit.CallId, refused.Code, refused.Reason));
                return;
            default:
                // Recovering, deleting or stopping: the call waits again once the conversation runs its tools.
                ClientToolMetrics.Result("not_waiting");
                Sender.Tell(new ToolResultRejected(_conversationId, submit.CallId, ToolResultRejectionCodes.NotWaiting,
                    $"Conversation {_conversationId} is not taking results this moment; post it again."));
                return;
        }
    }

    private void TimeOutClientCalls(Turn turn, ClientToolWait wait)
    {
        var late = ClientToolCalls.Waiting(_state).Where(c => wait.CallIds.Contains(c.CallId)).ToList();
        if (late.Count == 0) return;
        _log.Info("Conversation {0}: {1} client tool calls got no result within {2}", _conversationId, late.Count, wait.Timeout);
        ClientToolMetrics.TimedOut(late.Count);
        var output = ClientToolCalls.TimedOutOutput(wait.Timeout);
        foreach (var call in late)
            RecordToolResult(turn, new ToolResultRecorded(call.CallId, Item.FunctionCallOutput(call.CallId, output), IsError: true), call.Name, output, wait.Timeout);
    }

    /// <summary>The wait for the client's calls <see cref="CallIds"/> is over.</summary>
    private sealed record ClientToolWait(IReadOnlyList<string> CallIds, TimeSpan Timeout);
}
