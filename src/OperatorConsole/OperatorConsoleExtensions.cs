using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orchestrator.Hosting.Client;
using Orchestrator.Http;
using Orchestrator.Messages.Serialization;

namespace Orchestrator.OperatorConsole;

/// <summary>
/// The operator console on an app that maps the HTTP API (<c>MapOrchestratorApi</c>): the page under <c>/ui/</c> and
/// its read endpoints under <c>/v1/console</c>, which the API's bearer token and rate limit cover like every
/// <c>/v1</c> route. Writes (post, cancel, delete) go through the API's own routes.
/// </summary>
public static class OperatorConsoleExtensions
{
    public const int DefaultPageSize = 50;

    private const int MaxIdLength = 128;

    public static WebApplication MapOperatorConsole(this WebApplication app, ActorSystem system, IActorRef region)
    {
        var config = system.Settings.Config;
        var index = new ConversationIndex(
            config.GetString("akka.persistence.journal.sql.connection-string"),
            config.GetString("akka.persistence.journal.sql.provider-name"),
            (bytes, serializer, manifest) => serializer == PersistedEventSerializer.SerializerId
                ? system.Serialization.Deserialize(bytes, serializer, manifest)
                : new object(),
            config.GetString("akka.persistence.journal.sql.default.journal.table-name", "journal"));
        var meters = new NodeMeters();
        var spans = new RecentSpans();
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            meters.Dispose();
            spans.Dispose();
        });

        // Routing ignores a trailing slash: "/ui" and "/ui/" both land here; the page's relative links need the slash.
        app.MapGet("/ui/{file?}", (string? file, HttpContext http) =>
                http.Request.Path.Value == "/ui" ? Results.Redirect("/ui/") : ConsoleAssets.Serve(file, http))
            .ExcludeFromDescription();

        var api = app.MapGroup("/v1/console");
        api.MapGet("/conversations", async (string? prefix, string? after, int? limit, CancellationToken cancellationToken) =>
            {
                if (prefix is { Length: > 0 } && !ValidIdPart(prefix)) return Problem("prefix");
                if (after is not null && !ValidIdPart(after)) return Problem("after");
                var page = await index.PageAsync(prefix ?? "", after, limit ?? DefaultPageSize, cancellationToken);
                return Results.Json(page, ConsoleJsonContext.Default.ConversationPage);
            })
            .WithSummary("Conversations in id order, paged by key (?prefix=, ?after= the previous page's next, ?limit= up to 200), summarised from the journal.");

        api.MapGet("/conversations/{id}/timeline", async (string id, CancellationToken cancellationToken) =>
            {
                if (!ValidIdPart(id)) return Problem("id");
                var (rows, omitted) = await index.EventsAsync(id, cancellationToken);
                if (rows.Count == 0) return ApiProblems.NotFound(id);
                return Results.Json(ConversationTimeline.Of(id, rows, omitted, spans.Requests(id), spans.Tool), ConsoleJsonContext.Default.TimelineView);
            })
            .WithSummary("A conversation's turns from its journal: responses with how they were sent, tokens, bytes and latency; tool calls with durations.");

        api.MapGet("/node", async (CancellationToken cancellationToken) =>
                Results.Json(new NodeView(meters.View(), await ClusterView.ReadAsync(system, region, cancellationToken)), ConsoleJsonContext.Default.NodeView))
            .WithSummary("This node's meters (sockets, lanes, leases, chain resets, turns/s and latency over ten minutes) and the cluster's members and shards.");
        return app;
    }

    private static IResult Problem(string parameter) =>
        ApiProblems.BadRequest($"'{parameter}' is not a valid conversation id or prefix: use up to 128 letters, digits, '.', '_', ':' or '-'.");

    private static bool ValidIdPart(string value) =>
        value.Length is > 0 and <= MaxIdLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');
}
