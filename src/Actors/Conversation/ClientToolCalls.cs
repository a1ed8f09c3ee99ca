using System.Text.Json.Nodes;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// The rules of calls that the conversation's client runs (<see cref="ConversationToolSettings.ClientTools"/>): which open
/// calls the node runs and which wait for the client, which of those are offered for the first time, what a posted
/// result becomes, and what a call whose wait ran out is answered with. The turn goes on when every call of the
/// response has its result, whichever side ran it (<see cref="ConversationState"/> moves on at the last result).
/// </summary>
public static class ClientToolCalls
{
    /// <summary>Whether the conversation's client runs the tool <paramref name="name"/>.</summary>
    public static bool IsClientTool(ConversationSettings? settings, string name) =>
        settings?.Tools?.ClientTools?.Any(t => t.Name == name) == true;

    /// <summary>The open calls without a result that the node runs (its C# and MCP tools, or an error for an unknown name).</summary>
    public static IReadOnlyList<OpenCall> ForNode(ConversationState state) =>
        HasClientTools(state.Settings)
            ? state.CallsWithoutResult.Where(c => !IsClientTool(state.Settings, c.Name)).ToList()
            : state.CallsWithoutResult.ToList();

    /// <summary>The open calls without a result that wait for the client.</summary>
    public static IReadOnlyList<OpenCall> Waiting(ConversationState state) =>
        HasClientTools(state.Settings) ? state.CallsWithoutResult.Where(c => IsClientTool(state.Settings, c.Name)).ToList() : [];

    // Each tool round asks both questions; most conversations have no client tools.
    private static bool HasClientTools(ConversationSettings? settings) => settings?.Tools?.ClientTools is { Count: > 0 };

    /// <summary>The waiting calls never offered to the client: they need a <see cref="ClientToolCallsAwaited"/> before tool.required.</summary>
    public static IReadOnlyList<OpenCall> NotYetOffered(ConversationState state) =>
        Waiting(state).Where(c => c.AwaitedSince is null).ToList();

    /// <summary>The waiting calls as a status shows them (offered ones only).</summary>
    public static IReadOnlyList<WaitingToolCall> Shown(ConversationState state) =>
        Waiting(state).Where(c => c.AwaitedSince is not null).Select(c => new WaitingToolCall(c.CallId, c.Name, c.Arguments, c.AwaitedSince!.Value)).ToList();

    /// <summary>How long a client may take: the conversation's own timeout, else the node's.</summary>
    public static TimeSpan Timeout(ConversationSettings? settings, ConversationOptions options) =>
        settings?.Tools?.ClientToolTimeout ?? options.ClientToolTimeout;

    /// <summary>
    /// What a posted result becomes: recorded when its call waits; a no-op when the same result is recorded already;
    /// refused for a call with another result (posted, timed out or cancelled), a call the node runs, or an unknown id.
    /// </summary>
    public static ToolResultDecision Decide(ConversationState state, SubmitToolResult submit)
    {
        if (submit.Output is null == submit.Error is null)
            return new ToolResultDecision.Refused(ToolResultRejectionCodes.Invalid, "Send either \"output\" or \"error\" for the call, not both and not neither.");
        var output = Output(submit);
        var isError = submit.Error is not null;
        if (state.OpenCalls.Find(c => c.CallId == submit.CallId) is { } open)
        {
            if (!IsClientTool(state.Settings, open.Name))
                return new ToolResultDecision.Refused(ToolResultRejectionCodes.NotClientCall, $"Call '{submit.CallId}' is of the tool '{open.Name}', which the node runs, not the client.");
            if (open.Result is { } recorded) return Repeat(submit.CallId, recorded, output);
            return new ToolResultDecision.Record(new ToolResultRecorded(submit.CallId, Item.FunctionCallOutput(submit.CallId, output), isError), open.Name, output);
        }
        return state.Window.FindLast(i => i.IsFunctionCallOutput && i.CallId == submit.CallId) is { } answered
            ? Repeat(submit.CallId, answered, output)
            : new ToolResultDecision.Refused(ToolResultRejectionCodes.UnknownCall, $"The conversation has no call '{submit.CallId}' waiting or answered.");
    }

    /// <summary>The function_call_output text of a posted result: the output verbatim, or an error object the model can read.</summary>
    public static string Output(SubmitToolResult submit) => submit.Error is { } error ? ErrorOutput("client_error", error) : submit.Output!;

    /// <summary>The output of a call whose client did not answer within <paramref name="timeout"/>.</summary>
    public static string TimedOutOutput(TimeSpan timeout) =>
        ErrorOutput("timed_out", $"the client did not post a result within {timeout.TotalSeconds:0.###} s");

    private static ToolResultDecision Repeat(string callId, Item recorded, string output) =>
        recorded.Output == output
            ? new ToolResultDecision.Duplicate()
            : new ToolResultDecision.Refused(ToolResultRejectionCodes.AlreadyAnswered, $"Call '{callId}' has another result already (posted before, or an error after a timeout or a cancelled turn); a result is recorded once.");

    private static string ErrorOutput(string kind, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["kind"] = kind, ["message"] = message.ReplaceLineEndings(" ") } }.ToJsonString();
}
