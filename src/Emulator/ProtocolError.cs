using System.Globalization;

namespace Orchestrator.Emulator;

/// <summary>An error the server reports as <c>{"type":"error","status":…,"error":{…}}</c>.</summary>
/// <param name="Headers">HTTP-only details the WebSocket protocol carries in <c>error.headers</c> (e.g. <c>retry-after</c>).</param>
internal sealed record ProtocolError(int Status, string Type, string Code, string Message, string? Param, IReadOnlyList<KeyValuePair<string, string>>? Headers = null)
{
    public static ProtocolError InvalidRequest(string code, string message, string? param) =>
        new(400, "invalid_request_error", code, message, param);

    public static ProtocolError InvalidJson() =>
        InvalidRequest("invalid_json", "We could not parse the JSON body of your message. Expected a JSON object.", null);

    public static ProtocolError MissingParameter(string param) =>
        InvalidRequest("missing_required_parameter", $"Missing required parameter: '{param}'.", param);

    public static ProtocolError InvalidType(string param, string expected) =>
        InvalidRequest("invalid_type", $"Invalid type for '{param}': expected {expected}.", param);

    public static ProtocolError UnknownEventType(string type) =>
        InvalidRequest("invalid_value", $"Invalid value: '{type}'. Supported values are: 'response.create' and 'response.steer'.", "type");

    public static ProtocolError PreviousResponseNotFound(string id) =>
        InvalidRequest("previous_response_not_found", $"Previous response with id '{id}' not found.", "previous_response_id");

    public static ProtocolError MessageTooLarge(int limit) =>
        InvalidRequest("message_too_large", $"The message exceeds the maximum size of {limit} bytes.", null);

    public static ProtocolError InvalidEncryptedContent(string param) =>
        InvalidRequest("invalid_encrypted_content", "The encrypted content could not be verified: opaque items must be sent back unchanged.", param);

    public static ProtocolError StreamLimitReached(string message) =>
        InvalidRequest("websocket_stream_limit_reached", message, "stream_id");

    public static ProtocolError InvalidStreamId(int maxLength) =>
        InvalidRequest("invalid_stream_id", $"Invalid 'stream_id': expected 1 to {maxLength} characters of A-Z, a-z, 0-9, '_', '.' and '-'.", "stream_id");

    /// <summary>More <c>response.create</c> events waiting on one connection than it queues (the emulator's own bound).</summary>
    public static ProtocolError QueueLimitReached(int running, int queued) =>
        InvalidRequest("websocket_queue_limit_reached", $"Too many responses waiting on this connection: {running} run at once and at most {queued} more wait. Wait for some to finish or open another connection.", "stream_id");

    public static ProtocolError ConnectionLimitReached(TimeSpan age) =>
        InvalidRequest("websocket_connection_limit_reached", $"Responses websocket connection limit reached ({FormatAge(age)}). Create a new websocket connection to continue.", null);

    public static ProtocolError RateLimitExceeded(TimeSpan retryAfter) =>
        new(429, "requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later.", null, RetryAfterHeaders(retryAfter));

    public static ProtocolError ServerError() =>
        new(500, "server_error", "server_error", "The server had an error while processing your request.", null);

    /// <summary><c>retry-after</c> in whole seconds (at least 1, as HTTP allows no fractions) and <c>retry-after-ms</c> exactly.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> RetryAfterHeaders(TimeSpan retryAfter) =>
    [
        new("retry-after", Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture)),
        new("retry-after-ms", ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)),
    ];

    private static string FormatAge(TimeSpan age) =>
        age.TotalMinutes >= 1 && age.TotalMinutes == Math.Floor(age.TotalMinutes)
            ? $"{age.TotalMinutes:0} minutes"
            : $"{age.TotalMilliseconds:0} ms";
}
