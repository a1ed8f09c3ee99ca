namespace Orchestrator.Messages.Protocol;

/// <summary>
/// The response object carried by <c>response.created</c>, <c>response.completed</c> and friends. Fields not modelled here
/// (the request's echo: instructions, tools, sampling settings, metadata) are skipped, not kept: nothing reads them,
/// and keeping them cost a parsed copy of each, three times per response.
/// </summary>
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
}

public sealed record ResponseError(string? Code, string? Message);
