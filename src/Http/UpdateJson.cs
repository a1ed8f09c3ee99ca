using System.Text.Json;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Http;

/// <summary>
/// The one JSON shape of each conversation update, shared by <c>run --json</c> lines and the HTTP API's
/// Server-Sent Events so that a client parses both the same way.
/// </summary>
public static class UpdateJson
{
    /// <summary>The update's <c>type</c> and its JSON object; null for updates that are not shown (an unavailable conversation is an error, not an event).</summary>
    public static (string Type, string Json)? Serialize(ConversationUpdate update)
    {
        var c = UpdateJsonContext.Default;
        return update switch
        {
            AssistantTextDelta d => ("text.delta", JsonSerializer.Serialize(new TextDeltaLine(d.ConversationId, d.Delta), c.TextDeltaLine)),
            ToolCallStarted s => ("tool.started", JsonSerializer.Serialize(new ToolStartedLine(s.ConversationId, s.CallId, s.Name, s.Arguments), c.ToolStartedLine)),
            ToolCallFinished f => ("tool.finished", JsonSerializer.Serialize(
                new ToolFinishedLine(f.ConversationId, f.CallId, f.Name, f.Output, f.IsError, Math.Round(f.Duration.TotalMilliseconds, 3)), c.ToolFinishedLine)),
            ToolResultRequired r => ("tool.required", JsonSerializer.Serialize(new ToolRequiredLine(r.ConversationId, r.CallId, r.Name, r.Arguments), c.ToolRequiredLine)),
            TurnCompleted t => ("turn.completed", JsonSerializer.Serialize(new TurnCompletedLine(t.ConversationId, t.ResponseId, t.Text, Stats(t.Stats)), c.TurnCompletedLine)),
            TurnFailed f => ("turn.failed", JsonSerializer.Serialize(new TurnFailedLine(f.ConversationId, f.Reason), c.TurnFailedLine)),
            _ => null,
        };
    }

    private static StatsJson Stats(TurnStats s) =>
        new(s.ModelResponses, s.ToolCalls, s.BytesSent, s.Continuations, s.FullSends, s.ChainResets, Math.Round(s.Elapsed.TotalMilliseconds, 1));
}
