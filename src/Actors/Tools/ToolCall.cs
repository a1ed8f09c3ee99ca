namespace Orchestrator.Actors.Tools;

/// <summary>One function call of a response, as the model made it: what a <see cref="ToolWorker"/> runs.</summary>
public sealed record ToolCall(string CallId, string Name, string Arguments);
