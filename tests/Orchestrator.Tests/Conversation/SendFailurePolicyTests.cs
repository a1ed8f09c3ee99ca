using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Conversation;

public class SendFailurePolicyTests
{
    private static readonly ApiError ServerError = new(500, "server_error", "The server had an error.");
    private static readonly ApiError FailedResponse = new(null, "server_error", "the response failed");
    private static readonly ApiError RateLimited = new(429, ErrorCodes.RateLimitExceeded, "Slow down.");
    private static readonly ApiError NotFound = new(400, ErrorCodes.PreviousResponseNotFound, "Previous response with id 'resp_1' not found.");
    private static readonly ApiError ConnectionLimit = new(400, ErrorCodes.ConnectionLimitReached, "Reconnect.");
    private static readonly ApiError StreamLimit = new(400, ErrorCodes.StreamLimitReached, "Too many lanes.");
    private static readonly ApiError InvalidRequest = new(400, "invalid_request_error", "Unknown parameter.");

    public static TheoryData<string, SendFailureAction> EveryError => new()
    {
        { "server_error", SendFailureAction.RetryLater },
        { "response_failed", SendFailureAction.RetryLater },
        { "stream_limit", SendFailureAction.RetryLater },
        { "rate_limited", SendFailureAction.Pause },
        { "connection_limit", SendFailureAction.MoveNow },
        { "invalid_request", SendFailureAction.Abandon },
    };

    private static ApiError Named(string name) => name switch
    {
        "server_error" => ServerError,
        "response_failed" => FailedResponse,
        "stream_limit" => StreamLimit,
        "rate_limited" => RateLimited,
        "connection_limit" => ConnectionLimit,
        _ => InvalidRequest,
    };

    [Theory]
    [MemberData(nameof(EveryError))]
    public void Any_error_answering_a_continuation_without_store_and_only_that_makes_the_retry_a_full_send(string error, SendFailureAction action)
    {
        foreach (var (sent, store) in new[] { (SendKind.Continuation, false), (SendKind.Continuation, true), (SendKind.Full, false), (SendKind.Full, true) })
        {
            var decision = SendFailurePolicy.OnError(Named(error), sent, store);

            Assert.Equal(action, decision.Action);
            // The error evicted the parent unless it is stored; a full send has no parent to lose.
            Assert.True(decision.SendInFull == (sent == SendKind.Continuation && !store), $"{error} after a {sent} send, store={store}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Previous_response_not_found_is_answered_at_once_in_full_even_with_store(bool store)
    {
        var decision = SendFailurePolicy.OnError(NotFound, SendKind.Continuation, store);

        Assert.Equal(new SendFailureDecision(SendFailureAction.RetryNow, SendInFull: true, "previous_response_not_found"), decision);
    }

    [Fact]
    public void Previous_response_not_found_answering_a_full_send_abandons_instead_of_looping()
    {
        Assert.Equal(SendFailureAction.Abandon, SendFailurePolicy.OnError(NotFound, SendKind.Full, store: false).Action);
    }

    [Fact]
    public void A_stalled_response_moves_to_another_lane_in_full_and_counts_as_a_stall()
    {
        Assert.Equal(new SendFailureDecision(SendFailureAction.MoveLater, SendInFull: true, "stall"), SendFailurePolicy.OnTransportFailure(stalled: true));
    }

    [Fact]
    public void A_lost_connection_moves_to_another_lane_whose_cache_decides_the_kind_of_send()
    {
        Assert.Equal(new SendFailureDecision(SendFailureAction.MoveLater, SendInFull: false, "transport"), SendFailurePolicy.OnTransportFailure(stalled: false));
    }

    [Theory]
    [InlineData("server_error", "server_error")]
    [InlineData("rate_limited", "rate_limited")]
    [InlineData("connection_limit", "connection_limit_reached")]
    [InlineData("invalid_request", "rejected")]
    public void Each_decision_names_its_metric_reason(string error, string reason)
    {
        Assert.Equal(reason, SendFailurePolicy.OnError(Named(error), SendKind.Continuation, store: false).Reason);
    }

    [Theory]
    [InlineData(413, "whatever")]
    [InlineData(400, OversizedRequest.MessageTooLarge)]
    [InlineData(400, OversizedRequest.ContextLengthExceeded)]
    [InlineData(null, OversizedRequest.RequestTooLarge)]
    public void A_refusal_as_too_large_shrinks_the_request_whatever_was_sent_and_keeps_the_chain_flag(int? status, string code)
    {
        foreach (var (sent, store) in new[] { (SendKind.Continuation, false), (SendKind.Continuation, true), (SendKind.Full, false) })
            Assert.Equal(new SendFailureDecision(SendFailureAction.Shrink, SendInFull: false, "too_large"),
                SendFailurePolicy.OnError(new ApiError(status, code, "too large"), sent, store));
    }

    [Theory]
    [InlineData(false, true, 0, true)]
    [InlineData(true, true, 0, false)]
    [InlineData(false, false, 0, false)]
    [InlineData(false, true, 4, false)]
    [InlineData(false, true, 3, true)]
    public void A_too_large_refusal_compacts_once_per_streak_with_a_compactor_within_the_turns_compactions(
        bool compactedForSize, bool canCompact, int turnCompactions, bool compacts)
    {
        Assert.Equal(compacts, OversizedRequest.Compacts(compactedForSize, canCompact, turnCompactions, maxCompactionsPerTurn: 4));
    }
}
