using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orchestrator.Host.Cli;
using Orchestrator.Host.Client;
using Orchestrator.Host.Configuration;

namespace Orchestrator.Host.Api;

/// <summary>
/// The node's HTTP API, a thin adapter over <see cref="ConversationClient"/>: every request is routed through
/// the conversation shard region, so any node answers for any conversation.
/// </summary>
public static class ConversationApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapConversationApi(this IEndpointRouteBuilder app, ConversationClient client)
    {
        app.MapGet("/healthz", () => Results.Ok());

        app.MapPost("/v1/conversations", (CreateConversationRequest? request) =>
        {
            var id = request?.Id is { } given ? ValidId(given) : ConversationIds.New();
            return id is null ? BadRequest("The conversation id is not valid: use 1-128 letters, digits, '.', '_', ':' or '-'.") : Results.Created($"/v1/conversations/{id}", new CreateConversationResponse(id));
        });

        app.MapPost("/v1/conversations/{id}/messages", async (string id, PostMessageRequest? request, HttpRequest http, CancellationToken cancellationToken) =>
        {
            if (ValidId(id) is null) return BadRequest("The conversation id is not valid.");
            if (string.IsNullOrWhiteSpace(request?.Text)) return BadRequest("The message needs a non-empty \"text\".");
            var key = http.Headers[IdempotencyKeyHeader].FirstOrDefault();
            try
            {
                var accepted = await client.PostAsync(id, request.Text, string.IsNullOrWhiteSpace(key) ? null : key, cancellationToken);
                return Results.Accepted($"/v1/conversations/{id}", new PostMessageResponse(id, accepted.MessageId, accepted.Duplicate));
            }
            catch (ArgumentException e)
            {
                return BadRequest(e.Message);
            }
        });

        app.MapGet("/v1/conversations/{id}", async (string id, CancellationToken cancellationToken) =>
        {
            if (ValidId(id) is null) return BadRequest("The conversation id is not valid.");
            var s = await client.GetStatusAsync(id, cancellationToken);
            return Results.Ok(new ConversationStatusResponse(s.ConversationId, s.Phase, s.LastResponseId, s.WindowItems, s.OpenToolCalls, s.QueuedMessages, s.LastAnswer));
        });

        return app;
    }

    private static string? ValidId(string id)
    {
        try
        {
            return ConversationIds.Validate(id);
        }
        catch (ConfigurationException)
        {
            return null;
        }
    }

    private static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest);
}
