using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>
/// The client event <c>response.create</c>: the body of <c>POST /v1/responses</c> without
/// <c>stream</c> and <c>background</c>. A continuation carries <see cref="PreviousResponseId"/> and only
/// the new items; a full send carries the whole window and no previous id.
/// </summary>
public sealed record ResponseCreate
{
    [JsonPropertyOrder(-1)]
    public string Type => ClientEventTypes.ResponseCreate;

    public required string Model { get; init; }

    public string? Instructions { get; init; }

    public required IReadOnlyList<Item> Input { get; init; }

    /// <summary>The function tools (the node's and the client's); sent in <c>tools</c> with <see cref="HostedTools"/>.</summary>
    [JsonIgnore]
    public IReadOnlyList<FunctionTool>? Tools { get; init; }

    /// <summary>Tools the server runs (<c>web_search</c>, <c>mcp</c>, …), sent verbatim after the function tools.</summary>
    [JsonIgnore]
    public IReadOnlyList<JsonElement>? HostedTools { get; init; }

    [JsonPropertyName("tools")]
    public RequestTools? WireTools => Tools is null && HostedTools is null ? null : new RequestTools(Tools ?? [], HostedTools ?? []);

    /// <summary><c>"auto"</c>, <c>"required"</c>, <c>"none"</c> or a named tool object, verbatim; null leaves the server's default.</summary>
    public JsonElement? ToolChoice { get; init; }

    public bool? ParallelToolCalls { get; init; }

    public string? PreviousResponseId { get; init; }

    public bool Store { get; init; }

    public IReadOnlyList<string>? Include { get; init; }

    /// <summary>False for a warm-up: the server prepares instructions, tools and input, generates nothing, and returns an id to continue from. Null (omitted) generates.</summary>
    public bool? Generate { get; init; }

    /// <summary>The lane of the connection this request runs on; null for the default lane.</summary>
    public string? StreamId { get; init; }

    /// <summary>The conversation's prompt-cache options, when it has any.</summary>
    public PromptCacheOptions? PromptCacheOptions { get; init; }

    /// <summary>Server-side compaction, e.g. <c>[{"type":"compaction","compact_threshold":200000}]</c>.</summary>
    public IReadOnlyList<ContextManagement>? ContextManagement { get; init; }

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, ProtocolJsonContext.Default.ResponseCreate);
}

public sealed record ContextManagement(string Type, long CompactThreshold)
{
    public static ContextManagement Compaction(long threshold) => new("compaction", threshold);
}

public static class ClientEventTypes
{
    public const string ResponseCreate = "response.create";
    public const string ResponseSteer = "response.steer";
}
