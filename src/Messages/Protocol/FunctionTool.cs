using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>A function tool as declared in <c>response.create</c>; <see cref="Parameters"/> is its JSON schema.</summary>
public sealed record FunctionTool(string Name, string Description, JsonElement Parameters)
{
    [JsonPropertyOrder(-1)]
    public string Type => "function";

    /// <summary>Off: strict mode would require every property to be required, which typed C# arguments need not be.</summary>
    public bool Strict => false;
}
