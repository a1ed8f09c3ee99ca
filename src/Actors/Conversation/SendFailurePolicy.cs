using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// What a request that ended without a response leads to, from the failure and what was sent alone:
/// <list type="bullet">
/// <item>A refusal as too large (<see cref="OversizedRequest"/>): sending the same again cannot help; the window shrinks
/// first (<see cref="OversizedRequest.Compacts"/>) or the turn's input goes. Checked before anything else.</item>
/// <item>Any error answer to a continuation (an <c>error</c> event or <c>response.failed</c>, 4xx or 5xx) evicts its
/// parent from that lane's cache (WebSocket-mode guide): with <c>store=false</c> whatever follows goes in full, even
/// when the turn is abandoned; with <c>store=true</c> the parent is kept server-side and the chain goes on.</item>
/// <item><c>previous_response_not_found</c>: the chain is gone whatever <c>store</c> says; one full send, at once.</item>
/// <item><c>websocket_connection_limit_reached</c>: the connection is closing, not failing; at once on another lane.</item>
/// <item>429: the whole endpoint pauses and this request waits as long; never a failed attempt.</item>
/// <item>5xx, a <c>server_error</c> without status, <c>websocket_stream_limit_reached</c>: transient; the same lane
/// after a backoff, a failed attempt.</item>
/// <item>Any other error: the request itself is wrong; the turn is abandoned.</item>
/// <item>A lost connection: another lane after a backoff, a failed attempt; that lane's cache decides the kind of send.</item>
/// <item>A stalled response: its socket retires; another lane after a backoff, a failed attempt, in full (nothing of
/// what the server did with the stalled request can be relied on).</item>
/// </list>
/// </summary>
public static class SendFailurePolicy
{
    public static SendFailureDecision OnError(ApiError error, SendKind sent, bool store)
    {
        if (OversizedRequest.IsRefusal(error)) return new(SendFailureAction.Shrink, SendInFull: false, "too_large");
        var continued = sent == SendKind.Continuation;
        if (error.IsPreviousResponseNotFound)
            return continued ? new(SendFailureAction.RetryNow, SendInFull: true, "previous_response_not_found") : Rejected(false);

        var parentEvicted = continued && !store;
        if (error.Code == ErrorCodes.ConnectionLimitReached) return new(SendFailureAction.MoveNow, parentEvicted, "connection_limit_reached");
        if (error.IsRateLimited) return new(SendFailureAction.Pause, parentEvicted, "rate_limited");
        if (error.Status is >= 500 || error.Status is null && error.Code is "server_error" || error.Code == ErrorCodes.StreamLimitReached)
            return new(SendFailureAction.RetryLater, parentEvicted, "server_error");
        return Rejected(parentEvicted);
    }

    public static SendFailureDecision OnTransportFailure(bool stalled) =>
        stalled
            ? new(SendFailureAction.MoveLater, SendInFull: true, "stall")
            : new(SendFailureAction.MoveLater, SendInFull: false, "transport");

    private static SendFailureDecision Rejected(bool parentEvicted) => new(SendFailureAction.Abandon, parentEvicted, "rejected");
}

public enum SendFailureAction
{
    /// <summary>Send again at once on the same lane; not a failed attempt.</summary>
    RetryNow,

    /// <summary>Send again on the same lane after a backoff; a failed attempt.</summary>
    RetryLater,

    /// <summary>Pause the endpoint for the server's retry-after, then send again on the same lane; not a failed attempt.</summary>
    Pause,

    /// <summary>Give the lane back and send again at once on another; not a failed attempt.</summary>
    MoveNow,

    /// <summary>Give the lane back and send again on another after a backoff; a failed attempt.</summary>
    MoveLater,

    /// <summary>The request does not fit: give the lane back, then compact and send again, or drop the turn's input.</summary>
    Shrink,

    /// <summary>End the turn as failed.</summary>
    Abandon,
}

/// <param name="SendInFull">The server no longer holds the chain where it was sent: the next send carries the whole window.</param>
/// <param name="Reason">The <c>reason</c> of the retry and chain-reset metrics.</param>
public sealed record SendFailureDecision(SendFailureAction Action, bool SendInFull, string Reason);
