using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// A validated <c>response.create</c>. The <see cref="JsonElement"/> fields point into the
/// received message, which stays alive while the response is generated.
/// </summary>
internal sealed record ResponseCreateRequest
{
    public required string Model { get; init; }

    public required ContextItem[] Input { get; init; }

    public required IReadOnlyList<FunctionTool> FunctionTools { get; init; }

    public string? PreviousResponseId { get; init; }

    public bool Store { get; init; } = true;

    /// <summary>The lane (<c>stream_id</c>); null is the connection's default lane.</summary>
    public string? StreamId { get; init; }

    /// <summary>False for <c>generate:false</c>: prepare the context, generate nothing, return a continuable id.</summary>
    public bool Generate { get; init; } = true;

    /// <summary><c>max_output_tokens</c>: output beyond it is cut and the response ends <c>incomplete</c>.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>From <c>context_management: [{type:"compaction", compact_threshold:N}]</c>: compact the context first when it exceeds N tokens.</summary>
    public int? CompactThreshold { get; init; }

    /// <summary>Whether <c>include</c> asks for <c>reasoning.encrypted_content</c>.</summary>
    public bool IncludeEncryptedReasoning { get; init; }

    /// <summary>Raw <c>instructions</c>, echoed in the response object; undefined when absent.</summary>
    public JsonElement Instructions { get; init; }

    /// <summary>Raw <c>tools</c> array, echoed in the response object; undefined when absent.</summary>
    public JsonElement Tools { get; init; }

    /// <summary>Raw <c>metadata</c>, echoed in the response object; undefined when absent.</summary>
    public JsonElement Metadata { get; init; }
}
