using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Which server errors say that the request does not fit: over the WebSocket frame limit (<c>message_too_large</c>,
/// what the emulator sends before closing with 1009), over the model's context window (<c>context_length_exceeded</c>),
/// or an HTTP 413. Sending the same request again cannot help; a smaller window can: one compaction per refusal streak,
/// within the turn's compactions; refused again, or with nothing to compact with, the turn's input is dropped.
/// </summary>
public static class OversizedRequest
{
    public const string MessageTooLarge = "message_too_large";
    public const string ContextLengthExceeded = "context_length_exceeded";
    public const string RequestTooLarge = "request_too_large";

    public static bool IsRefusal(ApiError error) =>
        error.Status == 413 || error.Code is MessageTooLarge or ContextLengthExceeded or RequestTooLarge;

    /// <summary>
    /// Whether a refusal is answered with a compaction (else the turn's input is dropped): not when the window was
    /// compacted for size since the last recorded response, when there is no compactor, or when the turn has compacted
    /// <paramref name="maxCompactionsPerTurn"/> times.
    /// </summary>
    public static bool Compacts(bool compactedForSize, bool canCompact, int turnCompactions, int maxCompactionsPerTurn) =>
        !compactedForSize && canCompact && turnCompactions < maxCompactionsPerTurn;
}
