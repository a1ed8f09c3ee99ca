namespace Orchestrator.Actors.Tools;

/// <summary>What a tool may know about the call it serves.</summary>
/// <param name="CallId">The model's function call id; stable across retries after recovery, so a tool with side effects can use it as its idempotency key.</param>
/// <param name="ConversationId">The conversation that made the call.</param>
public sealed record ToolContext(string CallId, string ConversationId);
