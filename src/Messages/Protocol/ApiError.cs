namespace Orchestrator.Messages.Protocol;

/// <summary>An error reported by the server, with the HTTP-like status when it has one.</summary>
public sealed record ApiError(int? Status, string? Code, string Message, string? Param = null, string? Type = null)
{
    public bool IsPreviousResponseNotFound => Code == ErrorCodes.PreviousResponseNotFound;

    /// <summary>How long the server asks to wait before the next request (429), when it says.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool IsRateLimited => Status == 429 || Code == ErrorCodes.RateLimitExceeded;

    public override string ToString() => Status is null ? $"{Code ?? "error"}: {Message}" : $"{Status} {Code ?? "error"}: {Message}";
}

public static class ErrorCodes
{
    public const string PreviousResponseNotFound = "previous_response_not_found";
    public const string ConnectionLimitReached = "websocket_connection_limit_reached";
    public const string RateLimitExceeded = "rate_limit_exceeded";
    public const string StreamLimitReached = "websocket_stream_limit_reached";
}
