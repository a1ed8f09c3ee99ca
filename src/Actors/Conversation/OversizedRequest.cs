using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Which server errors say that the request does not fit: over the WebSocket frame limit (<c>message_too_large</c>,
/// what the emulator sends before closing with 1009), over the model's context window (<c>context_length_exceeded</c>),
/// or an HTTP 413. Sending the same request again cannot help; a smaller window can.
/// </summary>
public static class OversizedRequest
{
    public const string MessageTooLarge = "message_too_large";
    public const string ContextLengthExceeded = "context_length_exceeded";
    public const string RequestTooLarge = "request_too_large";

    public static bool IsRefusal(ApiError error) =>
        error.Status == 413 || error.Code is MessageTooLarge or ContextLengthExceeded or RequestTooLarge;
}
