using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Orchestrator.Hosting.Client;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Http;

/// <summary>
/// The node's HTTP API, a thin adapter over <see cref="ConversationClient"/>: every request is routed through
/// the conversation shard region, so any node answers for any conversation. Errors are problem+json (see
/// <see cref="ApiProblems"/>). Posting a message to a conversation that does not exist creates it with the
/// node's defaults, so a client may skip the create call; every other per-conversation route answers 404.
/// </summary>
public static class ConversationApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string LastEventIdHeader = "Last-Event-ID";

    public static IEndpointRouteBuilder MapConversationApi(this IEndpointRouteBuilder app, ConversationClient client, IActorRef events, NodeReadiness readiness, ApiOptions options)
    {
        app.MapGet("/healthz", () => Results.Json(new HealthResponse("ok"), ApiJsonContext.Default.HealthResponse))
            .WithSummary("Liveness: the process serves HTTP.");

        app.MapGet("/readyz", async (CancellationToken cancellationToken) =>
            {
                var problems = await readiness.ProblemsAsync(cancellationToken);
                return problems.Count == 0
                    ? Results.Json(new HealthResponse("ready"), ApiJsonContext.Default.HealthResponse)
                    : Results.Json(new HealthResponse("not ready", problems), ApiJsonContext.Default.HealthResponse, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .WithSummary("Readiness: the journal answers and this node's cluster member is up.")
            .Produces<HealthResponse>().Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);

        var v1 = app.MapGroup("/v1/conversations").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        v1.MapPost("", async (HttpRequest http, CancellationToken cancellationToken) =>
            {
                var (request, problem) = await RequestBody.ReadAsync(http, ApiJsonContext.Default.CreateConversationRequest, options, optional: true, cancellationToken);
                if (problem is not null) return problem;
                var id = request?.Id is { } given ? ValidId(given) : ConversationIds.New();
                if (id is null) return ApiProblems.BadRequest(InvalidId);
                if (SettingsProblem(request, options) is { } invalid) return ApiProblems.BadRequest(invalid);
                var (tools, toolProblem) = ConversationToolsRequest.Read(request);
                if (toolProblem is not null) return ApiProblems.InvalidSettings(toolProblem);
                ConversationCreated created;
                try
                {
                    created = await client.CreateAsync(new CreateConversation(id, request?.Model, Blank(request?.Instructions), tools, request?.Steering, request?.PromptCacheOptions), cancellationToken);
                }
                catch (ConversationRejectedException e)
                {
                    return ApiProblems.InvalidSettings(e.Message);
                }
                return created.AlreadyExisted
                    ? ApiProblems.Problem(StatusCodes.Status409Conflict, "Conversation exists", $"A conversation '{id}' exists already; post messages to it, or choose another id.")
                    : Results.Created($"/v1/conversations/{id}", new CreateConversationResponse(id));
            })
            .WithSummary("Create a conversation (optional body: id, model, instructions, client_tools, hosted_tools, tool_choice, parallel_tool_calls, client_tool_timeout_ms).")
            .Accepts<CreateConversationRequest>("application/json")
            .Produces<CreateConversationResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        v1.MapPost("/{id}/messages", async (string id, HttpRequest http, CancellationToken cancellationToken) =>
            {
                if (ValidId(id) is null) return ApiProblems.BadRequest(InvalidId);
                var key = http.Headers[IdempotencyKeyHeader].FirstOrDefault();
                if (key is { Length: > ApiOptions.MaxIdempotencyKeyLength }) return ApiProblems.BadRequest($"The {IdempotencyKeyHeader} header is longer than {ApiOptions.MaxIdempotencyKeyLength} characters.");
                var (request, problem) = await RequestBody.ReadAsync(http, ApiJsonContext.Default.PostMessageRequest, options, optional: false, cancellationToken);
                if (problem is not null) return problem;
                var (text, error) = MessageText(request!);
                if (error is not null) return ApiProblems.BadRequest(error);
                try
                {
                    var accepted = await client.PostAsync(id, text!, string.IsNullOrWhiteSpace(key) ? null : key, cancellationToken);
                    return Results.Accepted($"/v1/conversations/{id}", new PostMessageResponse(id, accepted.MessageId, accepted.Duplicate, accepted.Delivery));
                }
                catch (MessageRejectedException e)
                {
                    return ApiProblems.Rejected(e);
                }
                catch (ArgumentException e)
                {
                    return ApiProblems.BadRequest(e.Message);
                }
                catch (MessageIdReusedException e)
                {
                    return ApiProblems.IdempotencyKeyReused(e.MessageId);
                }
            })
            .WithSummary("Post a user message ({\"text\"} or {\"input\": [items]}); an Idempotency-Key header makes retries safe for 24 h (the same key with another text is 409). Answers once the message is persisted.")
            .Accepts<PostMessageRequest>("application/json")
            .Produces<PostMessageResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        v1.MapGet("/{id}", async (string id, CancellationToken cancellationToken) =>
            {
                if (ValidId(id) is null) return ApiProblems.BadRequest(InvalidId);
                var t = await client.GetTranscriptAsync(id, cancellationToken);
                if (!t.Exists) return ApiProblems.NotFound(id);
                var s = t.Status;
                return Results.Json(
                    new ConversationResponse(id, s.Phase, t.Model, t.Instructions, s.LastResponseId, s.WindowItems, s.OpenToolCalls, s.QueuedMessages, s.LastAnswer, t.Window.Select(i => i.Json).ToList(),
                        (s.WaitingToolCalls ?? []).Select(w => new WaitingToolCallJson(w.CallId, w.Name, w.Arguments, w.Since)).ToList()),
                    ApiJsonContext.Default.ConversationResponse);
            })
            .WithSummary("State and transcript (the items since the last compaction).")
            .Produces<ConversationResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        v1.MapGet("/{id}/events", (string id, HttpContext http, CancellationToken cancellationToken) => StreamEventsAsync(id, http, client, events, options, cancellationToken))
            .WithSummary("Server-Sent Events: the objects of `run --json` (event = their type), resumable with Last-Event-ID; stream.reset when what was missed is gone.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound);

        v1.MapPost("/{id}/tool-results", (string id, HttpRequest http, CancellationToken cancellationToken) => ToolResults.PostAsync(id, http, client, options, cancellationToken))
            .WithSummary("Record the result of a call the client runs (tool.required): {\"call_id\", \"output\"} or {\"call_id\", \"error\"}. Once per call: the same result again is 200 with duplicate; another result is 409; an unknown call id is 404.")
            .Accepts<ToolResultRequest>("application/json")
            .Produces<ToolResultResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        v1.MapPost("/{id}/cancel", async (string id, CancellationToken cancellationToken) =>
            {
                if (ValidId(id) is null) return ApiProblems.BadRequest(InvalidId);
                if (!(await client.GetTranscriptAsync(id, cancellationToken)).Exists) return ApiProblems.NotFound(id);
                var cancelled = await client.CancelTurnAsync(id, cancellationToken);
                return Results.Accepted($"/v1/conversations/{id}", new CancelTurnResponse(id, cancelled));
            })
            .WithSummary("Cancel the open turn: it ends with turn.failed; queued messages still run.")
            .Produces<CancelTurnResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);

        v1.MapDelete("/{id}", async (string id, CancellationToken cancellationToken) =>
            {
                if (ValidId(id) is null) return ApiProblems.BadRequest(InvalidId);
                var existed = await client.DeleteAsync(id, cancellationToken);
                events.Tell(new ConversationEventHub.Close(id));
                return existed ? Results.NoContent() : ApiProblems.NotFound(id);
            })
            .WithSummary("Delete the conversation and its journal; its event streams end.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    internal const string InvalidId = "The conversation id is not valid: use 1-128 letters, digits, '.', '_', ':' or '-'.";

    private static async Task StreamEventsAsync(string id, HttpContext http, ConversationClient client, IActorRef events, ApiOptions options, CancellationToken cancellationToken)
    {
        if (ValidId(id) is null)
        {
            await ApiProblems.BadRequest(InvalidId).ExecuteAsync(http);
            return;
        }
        if (!(await client.GetTranscriptAsync(id, cancellationToken)).Exists)
        {
            await ApiProblems.NotFound(id).ExecuteAsync(http);
            return;
        }

        // Bounded: a reader that falls this far behind is cut off and resumes from the replay buffer.
        var channel = Channel.CreateBounded<SseEvent>(new BoundedChannelOptions(options.EventBufferSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var lastEventId = http.Request.Headers[LastEventIdHeader].FirstOrDefault();
        await events.Ask<ConversationEventHub.Attached>(new ConversationEventHub.Attach(id, lastEventId, channel.Writer), TimeSpan.FromSeconds(30), cancellationToken);
        try
        {
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            // Headers go out now: a client may wait for them before posting, knowing it is subscribed.
            await http.Response.WriteAsync(": subscribed\n\n", cancellationToken);
            await http.Response.Body.FlushAsync(cancellationToken);
            while (true)
            {
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                beat.CancelAfter(options.Heartbeat);
                bool more;
                try
                {
                    more = await channel.Reader.WaitToReadAsync(beat.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await http.Response.Body.FlushAsync(cancellationToken);
                    continue;
                }
                if (!more) break;
                while (channel.Reader.TryRead(out var e)) await http.Response.WriteAsync(e.ToWire(), Encoding.UTF8, cancellationToken);
                await http.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; it may come back with Last-Event-ID.
        }
        finally
        {
            events.Tell(new ConversationEventHub.Detach(id, channel.Writer));
        }
    }

    /// <summary>The user text of a message body; <c>input</c> items must be user messages, and their texts are joined.</summary>
    private static (string? Text, string? Error) MessageText(PostMessageRequest request)
    {
        if (request.Text is not null && request.Input is not null) return (null, "Send either \"text\" or \"input\", not both.");
        if (request.Input is null)
            return string.IsNullOrWhiteSpace(request.Text) ? (null, "The message needs a non-empty \"text\" (or \"input\" items).") : (request.Text, null);
        if (request.Input.Length == 0) return (null, "\"input\" has no items.");
        var texts = new List<string>();
        for (var i = 0; i < request.Input.Length; i++)
        {
            var json = request.Input[i];
            if (json.ValueKind != JsonValueKind.Object) return (null, $"input[{i}] is not an object.");
            var item = Item.From(json);
            if (item.Type != ItemTypes.Message || item.Role != "user")
                return (null, $"input[{i}] is a {item.Type} with role {item.Role ?? "none"}; only user message items are accepted.");
            if (string.IsNullOrWhiteSpace(item.Text)) return (null, $"input[{i}] has no text content.");
            texts.Add(item.Text);
        }
        return (string.Join("\n\n", texts), null);
    }

    private static string? SettingsProblem(CreateConversationRequest? request, ApiOptions options)
    {
        var problem = request?.Model is { } model ? SettingsLimits.ModelProblem(model) : null;
        problem ??= request?.Instructions is { } instructions ? SettingsLimits.InstructionsProblem(instructions, options.MaxInstructionsBytes) : null;
        if (problem is not null) ApiMetrics.Refused(ApiMetrics.InvalidSettings);
        return problem;
    }

    internal static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    internal static string? ValidId(string id)
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
}
