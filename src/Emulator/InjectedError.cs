namespace Orchestrator.Emulator;

/// <summary>An error <see cref="EmulatorFaults.ErrorOnRequests"/> answers a request with.</summary>
public enum InjectedError
{
    /// <summary><c>error</c> event, status 400, code <c>previous_response_not_found</c>, as for an evicted cache.</summary>
    PreviousResponseNotFound,

    /// <summary><c>error</c> event, status 429, code <c>rate_limit_exceeded</c>, with a <c>retry-after</c> header in <c>error.headers</c>.</summary>
    RateLimitExceeded,

    /// <summary><c>error</c> event, status 500, code <c>server_error</c>.</summary>
    ServerError,

    /// <summary>The response starts (<c>created</c>, <c>in_progress</c>) and ends in <c>response.failed</c> with a <c>server_error</c>.</summary>
    ResponseFailed,
}
