using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Orchestrator.Hosting.Client;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Http;

/// <summary>
/// <c>POST /v1/conversations/{id}/tool-results</c>: the result of a call the client runs, recorded once. 200 when
/// recorded, and again (with <c>duplicate</c>) for the same result; 404 for a call the conversation does not have; 409
/// for a call with another result (posted before, timed out, cancelled) or one the node runs.
/// </summary>
public static class ToolResults
{
    public const int MaxCallIdLength = 256;

    public static async Task<IResult> PostAsync(string id, HttpRequest http, ConversationClient client, ApiOptions options, CancellationToken cancellationToken)
    {
        if (ConversationApi.ValidId(id) is null) return ApiProblems.BadRequest(ConversationApi.InvalidId);
        var (request, problem) = await RequestBody.ReadAsync(http, ApiJsonContext.Default.ToolResultRequest, options, optional: false, cancellationToken);
        if (problem is not null) return problem;
        if (request!.CallId is not { Length: > 0 and <= MaxCallIdLength } callId)
            return ApiProblems.BadRequest($"\"call_id\" is required: the id of the tool.required event's call (at most {MaxCallIdLength} characters).");
        if (request.Output is not null == request.Error is not null)
            return ApiProblems.BadRequest("Send either \"output\" (the call's result) or \"error\" (why it failed), not both and not neither.");
        var output = request.Output is { } json ? json.ValueKind == JsonValueKind.String ? json.GetString()! : json.GetRawText() : null;
        try
        {
            var accepted = await client.SubmitToolResultAsync(id, callId, output, request.Error, cancellationToken);
            return Results.Json(new ToolResultResponse(id, callId, accepted.Duplicate), ApiJsonContext.Default.ToolResultResponse);
        }
        catch (ToolResultRejectedException e)
        {
            return e.Code switch
            {
                ToolResultRejectionCodes.UnknownCall => ApiProblems.Problem(StatusCodes.Status404NotFound, "Tool call not found", e.Message),
                ToolResultRejectionCodes.AlreadyAnswered => ApiProblems.Problem(StatusCodes.Status409Conflict, "Tool call already answered", e.Message),
                ToolResultRejectionCodes.NotClientCall => ApiProblems.Problem(StatusCodes.Status409Conflict, "Tool call run by the node", e.Message),
                ToolResultRejectionCodes.NotWaiting => ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Conversation busy", e.Message),
                _ => ApiProblems.BadRequest(e.Message),
            };
        }
    }
}
