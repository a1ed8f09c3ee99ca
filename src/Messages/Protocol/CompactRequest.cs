namespace Orchestrator.Messages.Protocol;

/// <summary>The body of <c>POST /v1/responses/compact</c>.</summary>
public sealed record CompactRequest(string Model, IReadOnlyList<Item> Input, string? Instructions);

/// <summary>The answer of <c>POST /v1/responses/compact</c>: its output is the compacted window.</summary>
public sealed record CompactResponse
{
    public string? Id { get; init; }
    public IReadOnlyList<Item> Output { get; init; } = [];
    public Usage? Usage { get; init; }
}
