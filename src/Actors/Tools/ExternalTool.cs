using System.Text.Json;

namespace Orchestrator.Actors.Tools;

/// <summary>
/// A tool that lives outside the node (an MCP server's): its schema comes with it and its arguments reach it as the
/// model's JSON object, unbound. <see cref="Run"/> returns the output text; it throws to report a failure, and throws
/// <see cref="ToolUnavailableException"/> when whatever runs the tool cannot be reached.
/// </summary>
/// <param name="Definition">Name, description and JSON schema, as declared to the model.</param>
public sealed record ExternalTool(ToolDefinition Definition, Func<JsonElement, ToolContext, CancellationToken, Task<string>> Run);
