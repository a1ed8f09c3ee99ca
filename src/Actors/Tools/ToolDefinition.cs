using System.Text.Json;

namespace Orchestrator.Actors.Tools;

/// <summary>A tool as the model sees it: the fields of a Responses API <c>function</c> tool.</summary>
/// <param name="Parameters">The JSON schema of the arguments; always an object schema with <c>additionalProperties: false</c>.</param>
public sealed record ToolDefinition(string Name, string Description, JsonElement Parameters);
