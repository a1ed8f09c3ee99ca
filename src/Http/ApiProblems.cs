using Microsoft.AspNetCore.Http;
using Orchestrator.Actors.Conversation;
using Orchestrator.Hosting.Client;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Http;

/// <summary>Every error of the API is <c>application/problem+json</c> with a <c>detail</c> that says what to do.</summary>
public static class ApiProblems
{
    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Invalid request", detail);

    public static IResult NotFound(string conversationId) =>
        Problem(StatusCodes.Status404NotFound, "Conversation not found", $"There is no conversation '{conversationId}'. Create it with POST /v1/conversations or post a message to it.");

    public static IResult TooLarge(long maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body exceeds the limit of {maxBytes} bytes.");

    /// <summary>The client sent its body too slowly (a 4xx: its mistake, not the node's).</summary>
    public static IResult SlowBody(string detail)
    {
        ApiMetrics.Refused(ApiMetrics.SlowBody);
        return Problem(StatusCodes.Status408RequestTimeout, "Request body too slow", $"{detail} Send the whole body at once.");
    }

    public static IResult IdempotencyKeyReused(string key)
    {
        ApiMetrics.Refused(ApiMetrics.IdempotencyConflict);
        return Problem(StatusCodes.Status409Conflict, "Idempotency-Key reused",
            $"The Idempotency-Key '{key}' was used within the last {MessageKeys.Window.TotalHours:0} h for a message with another text; retry with the same text, or use a new key for a new message.");
    }

    /// <summary>A message the conversation refused: 429 while its queue is full, 413 for a message or queue over its byte bound.</summary>
    public static IResult Rejected(MessageRejectedException rejected) => rejected.Code switch
    {
        MessageRejectionCodes.QueueFull => Problem(StatusCodes.Status429TooManyRequests, "Too many queued messages", rejected.Message),
        MessageRejectionCodes.QueueTooLarge => Problem(StatusCodes.Status413PayloadTooLarge, "Queued messages too large", rejected.Message),
        MessageRejectionCodes.MessageTooLarge => Problem(StatusCodes.Status413PayloadTooLarge, "Message too large", rejected.Message),
        _ => BadRequest(rejected.Message),
    };

    /// <summary>Settings of a new conversation the node refuses (its tools, typically).</summary>
    public static IResult InvalidSettings(string detail)
    {
        ApiMetrics.Refused(ApiMetrics.InvalidSettings);
        return BadRequest(detail);
    }

    public static IResult Unauthorized(string detail) => Problem(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static IResult Problem(int status, string title, string detail) => Results.Problem(detail, statusCode: status, title: title);

    /// <summary>A detail for the problems ASP.NET Core answers by itself (routing, content negotiation), which come with none.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Detail is not null) return;
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
            StatusCodes.Status404NotFound => "There is no such route; the routes are listed in /openapi/v1.json.",
            StatusCodes.Status405MethodNotAllowed => "This route does not take that method; see /openapi/v1.json.",
            _ => null,
        };
    }
}
