using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>A declared <c>{"type":"function"}</c> tool; <see cref="Parameters"/> is undefined when the tool has no schema.</summary>
internal readonly record struct FunctionTool(string Name, JsonElement Parameters);
