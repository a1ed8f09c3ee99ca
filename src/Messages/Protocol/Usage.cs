namespace Orchestrator.Messages.Protocol;

public sealed record Usage
{
    public long InputTokens { get; init; }
    public InputTokensDetails? InputTokensDetails { get; init; }
    public long OutputTokens { get; init; }
    public long TotalTokens { get; init; }

    public long CachedTokens => InputTokensDetails?.CachedTokens ?? 0;
}

public sealed record InputTokensDetails
{
    public long CachedTokens { get; init; }
}
