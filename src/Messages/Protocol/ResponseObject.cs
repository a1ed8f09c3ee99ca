using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>The response object carried by <c>response.created</c>, <c>response.completed</c> and friends.</summary>
public sealed record ResponseObject
{
    private readonly IReadOnlyList<Item> _output = [];

    public required string Id { get; init; }
    public string? Status { get; init; }
    public string? Model { get; init; }
    public string? PreviousResponseId { get; init; }
    /// <summary>Never null: a server that sends <c>"output": null</c> means no items.</summary>
    public IReadOnlyList<Item> Output { get => _output; init => _output = value ?? []; }
    public Usage? Usage { get; init; }
    public ResponseError? Error { get; init; }

    /// <summary>Fields this client does not model, kept so nothing the server says is lost.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ResponseError(string? Code, string? Message);
