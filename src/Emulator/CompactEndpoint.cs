using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Emulator;

/// <summary>
/// <c>POST /v1/responses/compact</c>: takes <c>{model, input | previous_response_id, instructions}</c>
/// and returns <c>{id, object:"response.compaction", created_at, output, usage}</c>, whose output is the
/// new window (<see cref="Compactor"/>). Over HTTP there is no connection, so a
/// <c>previous_response_id</c> must name a stored (<c>store=true</c>) response.
/// </summary>
internal sealed class CompactEndpoint(EmulatorRuntime runtime)
{
    public static readonly PathString Path = new("/v1/responses/compact");

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await EmulatorEndpoint.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Use POST.");
            return;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            await WriteAsync(context, ProtocolError.InvalidJson());
            return;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.String)
            {
                await WriteAsync(context, ProtocolError.MissingParameter("model"));
                return;
            }

            if (!ResponseCreateParser.TryReadInput(root, runtime.Options.EmitReasoning, out ContextItem[]? input, out ProtocolError? error))
            {
                await WriteAsync(context, error!);
                return;
            }

            CachedResponse? previous = null;
            if (ResponseCreateParser.ReadPreviousResponseIdLeniently(root) is { } previousId
                && (previous = runtime.Store.Find(previousId)) is null)
            {
                await WriteAsync(context, ProtocolError.PreviousResponseNotFound(previousId));
                return;
            }

            var segments = new List<ContextItem[]>();
            for (CachedResponse? node = previous; node is not null; node = node.Parent)
            {
                segments.Insert(0, node.Items);
            }

            segments.Add(input!);
            CompactedWindow window = Compactor.Compact(segments);
            runtime.Counters.Compacted();
            long inputBytes = (previous?.ContextBytes ?? 0) + input!.Sum(item => (long)item.Bytes);
            await WriteWindowAsync(context, window, (int)Math.Min(int.MaxValue, (inputBytes + 3) / 4));
        }
    }

    private static async Task WriteWindowAsync(HttpContext context, CompactedWindow window, int inputTokens)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        int outputTokens = Math.Max(1, (window.Items.Sum(item => item.Bytes) + 3) / 4);
        await using var json = new Utf8JsonWriter(context.Response.Body, WriterOptions);
        json.WriteStartObject();
        json.WriteString("id", IdGenerator.Next("resp_"));
        json.WriteString("object", "response.compaction");
        json.WriteNumber("created_at", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        json.WriteStartArray("output");
        foreach (string text in window.KeptUserTexts)
        {
            Compactor.WriteUserMessage(json, text);
        }

        Compactor.WriteCompactionItem(json, window.Compaction);
        json.WriteEndArray();
        json.WriteStartObject("usage");
        json.WriteNumber("input_tokens", inputTokens);
        json.WriteStartObject("input_tokens_details");
        json.WriteNumber("cached_tokens", 0);
        json.WriteEndObject();
        json.WriteNumber("output_tokens", outputTokens);
        json.WriteStartObject("output_tokens_details");
        json.WriteNumber("reasoning_tokens", 0);
        json.WriteEndObject();
        json.WriteNumber("total_tokens", inputTokens + outputTokens);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static Task WriteAsync(HttpContext context, ProtocolError error) =>
        EmulatorEndpoint.WriteErrorAsync(context, error.Status, error.Code, error.Message, error.Type, error.Param);
}
