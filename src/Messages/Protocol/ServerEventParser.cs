using System.Text.Json;

namespace Orchestrator.Messages.Protocol;

/// <summary>Parses one server frame into a <see cref="ServerEvent"/>; a frame that is not a typed JSON object is a <see cref="ProtocolException"/>.</summary>
public static class ServerEventParser
{
    public static ServerEvent Parse(ReadOnlyMemory<byte> utf8Frame)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Frame);
        }
        catch (JsonException e)
        {
            throw new ProtocolException($"The server sent a frame that is not JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
                throw new ProtocolException("The server sent a frame without a string \"type\".");

            var type = typeElement.GetString()!;
            var sequence = root.TryGetProperty("sequence_number", out var seq) && seq.ValueKind == JsonValueKind.Number && seq.TryGetInt64(out var n) ? n : -1;
            try
            {
                ServerEvent parsed = type switch
                {
                    ServerEventTypes.ResponseCreated or ServerEventTypes.ResponseInProgress or ServerEventTypes.ResponseQueued
                        or ServerEventTypes.ResponseCompleted or ServerEventTypes.ResponseFailed or ServerEventTypes.ResponseIncomplete
                        => new ResponseLifecycleEvent(type, sequence, ReadResponse(root)),
                    ServerEventTypes.OutputItemAdded or ServerEventTypes.OutputItemDone
                        => new OutputItemEvent(type, sequence, root.GetProperty("output_index").GetInt32(), Item.From(root.GetProperty("item"))),
                    ServerEventTypes.OutputTextDelta
                        => new OutputTextDeltaEvent(sequence, OptionalString(root, "item_id") ?? "", OptionalInt(root, "output_index"), root.GetProperty("delta").GetString() ?? ""),
                    ServerEventTypes.Error => new ServerErrorEvent(sequence, ReadError(root)),
                    _ => new OtherServerEvent(type, sequence),
                };
                return OptionalString(root, "stream_id") is { } streamId ? parsed with { StreamId = streamId } : parsed;
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or JsonException or ArgumentException or FormatException)
            {
                throw new ProtocolException($"The server sent a malformed \"{type}\" event: {e.Message}", e);
            }
        }
    }

    private static ResponseObject ReadResponse(JsonElement root) =>
        root.GetProperty("response").Deserialize(ProtocolJsonContext.Default.ResponseObject)
        ?? throw new JsonException("\"response\" is null.");

    private static ApiError ReadError(JsonElement root)
    {
        // A status that is not a number is dropped: the error itself must still reach the conversation.
        int? status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var code) ? code : null;
        // Nested shape: {"type":"error","status":429,"error":{…}}; flat shape: {"type":"error","code":…,"message":…}.
        var isNested = root.TryGetProperty("error", out var nested) && nested.ValueKind == JsonValueKind.Object;
        var body = isNested ? nested : root;
        return new ApiError(
            status,
            OptionalString(body, "code"),
            OptionalString(body, "message") ?? "(no message)",
            OptionalString(body, "param"),
            isNested ? OptionalString(body, "type") : null)
        {
            RetryAfter = ReadRetryAfter(body),
        };
    }

    /// <summary>HTTP-only details travel in <c>error.headers</c>: <c>retry-after-ms</c> (exact) or <c>retry-after</c> (seconds).</summary>
    private static TimeSpan? ReadRetryAfter(JsonElement body)
    {
        if (!body.TryGetProperty("headers", out var headers) || headers.ValueKind != JsonValueKind.Object) return null;
        if (double.TryParse(OptionalString(headers, "retry-after-ms"), System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        if (double.TryParse(OptionalString(headers, "retry-after"), System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        return null;
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int OptionalInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out var n) ? n : 0;
}
