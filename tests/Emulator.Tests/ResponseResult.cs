using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>The events of one response, with accessors for what tests check.</summary>
internal sealed record ResponseResult(IReadOnlyList<JsonElement> Events)
{
    public IEnumerable<string> Types => Events.Select(e => e.GetProperty("type").GetString()!);

    public bool IsError => Last.GetProperty("type").GetString() == "error";

    public JsonElement Last => Events[^1];

    /// <summary>The completed response object.</summary>
    public JsonElement Response => Last.GetProperty("response");

    public string Id => Response.GetProperty("id").GetString()!;

    public string ErrorCode => Last.GetProperty("error").GetProperty("code").GetString()!;

    public JsonElement[] Output => [.. Response.GetProperty("output").EnumerateArray()];

    public JsonElement[] FunctionCalls => [.. Output.Where(item => item.GetProperty("type").GetString() == "function_call")];

    public string Text => string.Concat(Output
        .Where(item => item.GetProperty("type").GetString() == "message")
        .SelectMany(item => item.GetProperty("content").EnumerateArray())
        .Select(part => part.GetProperty("text").GetString()));

    public JsonElement Usage => Response.GetProperty("usage");

    /// <summary>The output items as input items for a resend of the full context.</summary>
    public IEnumerable<JsonNode> OutputAsInput => Output.Select(item => JsonNode.Parse(item.GetRawText())!);
}
