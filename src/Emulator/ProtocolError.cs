namespace Orchestrator.Emulator;

/// <summary>An error the server reports as <c>{"type":"error","status":…,"error":{…}}</c>.</summary>
internal sealed record ProtocolError(int Status, string Type, string Code, string Message, string? Param)
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
        InvalidRequest("invalid_value", $"Invalid value: '{type}'. Supported values are: 'response.create'.", "type");

    public static ProtocolError PreviousResponseNotFound(string id) =>
        InvalidRequest("previous_response_not_found", $"Previous response with id '{id}' not found.", "previous_response_id");

    public static ProtocolError MessageTooLarge(int limit) =>
        InvalidRequest("message_too_large", $"The message exceeds the maximum size of {limit} bytes.", null);

    public static ProtocolError ServerError() =>
        new(500, "server_error", "server_error", "The server had an error while processing your request.", null);
}
