using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Messages.Protocol;

/// <summary>
/// Parses one server frame into a <see cref="ServerEvent"/>; a frame that is not a typed JSON object is a <see cref="ProtocolException"/>.
/// Every frame of every response passes here, on a socket's receive loop. One pass checks the frame is JSON, reads its
/// <c>response</c> object as it meets it (most of a lifecycle frame's bytes: the request's echo of instructions and
/// tools), and notes where the other top-level fields that events use lie (the last of a name wins, as in a parsed
/// document); the event's fields are then read from there. Each item is copied out of the frame as it came, its type
/// noted on the way, so that a frame's bytes are scanned once.
/// </summary>
public static class ServerEventParser
{
    /// <summary>
    /// Event types as shared strings, with their UTF-8 to compare with: every frame has one. The deltas first: a
    /// response streams many of them.
    /// </summary>
    private static readonly (byte[] Utf8, string Text)[] KnownTypes =
    [
        .. new[]
        {
            "response.function_call_arguments.delta", ServerEventTypes.OutputTextDelta,
            ServerEventTypes.OutputItemAdded, ServerEventTypes.OutputItemDone, "response.function_call_arguments.done",
            "response.output_text.done", "response.content_part.added", "response.content_part.done",
            ServerEventTypes.ResponseCreated, ServerEventTypes.ResponseInProgress, ServerEventTypes.ResponseCompleted,
            ServerEventTypes.ResponseQueued, ServerEventTypes.ResponseFailed, ServerEventTypes.ResponseIncomplete, ServerEventTypes.Error,
            ServerEventTypes.SteerAccepted, ServerEventTypes.SteerFailed, ServerEventTypes.SteerPending,
        }.Select(type => (Encoding.UTF8.GetBytes(type), type)),
    ];

    /// <param name="utf8Frame">One frame: a JSON object with a string <c>type</c>.</param>
    /// <param name="readStreamedItems">
    /// False for a reader that takes a response's items from its terminal event, which carries every one complete:
    /// <c>response.output_item.added</c> / <c>.done</c> then come as an <see cref="OtherServerEvent"/>, their item
    /// neither read nor copied out of the frame (the frame is still checked to be JSON). A socket reads several per
    /// response.
    /// </param>
    public static ServerEvent Parse(ReadOnlyMemory<byte> utf8Frame, bool readStreamedItems = true)
    {
        var fields = TopLevelFields.Read(utf8Frame);
        var type = fields.Type;
        var sequence = fields.SequenceNumber.TokenType == JsonTokenType.Number && fields.SequenceNumber.TryGetInt64(out var n) ? n : -1;
        try
        {
            ServerEvent parsed = type switch
            {
                ServerEventTypes.ResponseCreated or ServerEventTypes.ResponseInProgress or ServerEventTypes.ResponseQueued
                    or ServerEventTypes.ResponseCompleted or ServerEventTypes.ResponseFailed or ServerEventTypes.ResponseIncomplete
                    => new ResponseLifecycleEvent(type, sequence, fields.RequiredResponse()),
                ServerEventTypes.OutputItemAdded or ServerEventTypes.OutputItemDone when !readStreamedItems => new OtherServerEvent(type, sequence),
                ServerEventTypes.OutputItemAdded or ServerEventTypes.OutputItemDone
                    => new OutputItemEvent(type, sequence, Required(fields.OutputIndex, "output_index").GetInt32(), ReadItem(utf8Frame, Required(fields.Item, "item"))),
                ServerEventTypes.OutputTextDelta
                    => new OutputTextDeltaEvent(sequence, OptionalString(fields.ItemId) ?? "", OptionalInt(fields.OutputIndex), Required(fields.Delta, "delta").GetString() ?? ""),
                ServerEventTypes.Error => new ServerErrorEvent(sequence, ReadError(utf8Frame)),
                ServerEventTypes.SteerAccepted or ServerEventTypes.SteerFailed or ServerEventTypes.SteerPending => ReadSteer(utf8Frame, type, sequence),
                _ => new OtherServerEvent(type, sequence),
            };
            return OptionalString(fields.StreamId) is { } streamId ? parsed with { StreamId = streamId } : parsed;
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException or FormatException)
        {
            throw new ProtocolException($"The server sent a malformed \"{type}\" event: {e.Message}", e);
        }
    }

    /// <summary>
    /// The modelled fields of a response object; the rest (the request's echo: instructions, tools, …) is skipped.
    /// Leaves the reader on the object's end.
    /// </summary>
    private static ResponseObject ReadResponse(ReadOnlyMemory<byte> frame, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"\"response\" must be an object, found {reader.TokenType}.");
        string? id = null, status = null, model = null, previousResponseId = null;
        IReadOnlyList<Item> output = [];
        Usage? usage = null;
        ResponseError? error = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader;
            reader.Read();
            if (name.ValueTextEquals("id"u8)) id = reader.GetString();
            else if (name.ValueTextEquals("status"u8)) status = reader.GetString();
            else if (name.ValueTextEquals("model"u8)) model = reader.GetString();
            else if (name.ValueTextEquals("previous_response_id"u8)) previousResponseId = reader.GetString();
            else if (name.ValueTextEquals("output"u8)) output = ReadItems(frame, ref reader);
            else if (name.ValueTextEquals("usage"u8)) usage = JsonSerializer.Deserialize(ref reader, ProtocolJsonContext.Default.Usage);
            else if (name.ValueTextEquals("error"u8)) error = JsonSerializer.Deserialize(ref reader, ProtocolJsonContext.Default.ResponseError);
            else reader.Skip();
        }
        return new ResponseObject
        {
            Id = id ?? throw new JsonException("The response has no \"id\"."),
            Status = status,
            Model = model,
            PreviousResponseId = previousResponseId,
            Output = output,
            Usage = usage,
            Error = error,
        };
    }

    /// <summary>A response's <c>output</c>: an array of items, or null for none. Leaves the reader on the array's end.</summary>
    private static IReadOnlyList<Item> ReadItems(ReadOnlyMemory<byte> frame, ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return [];
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"\"output\" must be an array, found {reader.TokenType}.");
        var items = new List<Item>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(ReadItem(frame, ref reader));
        return items;
    }

    private static Item ReadItem(ReadOnlyMemory<byte> frame, Utf8JsonReader reader) => ReadItem(frame, ref reader);

    /// <summary>
    /// The item <paramref name="reader"/> is on, copied out of the frame as it came, with its type (the last of that
    /// name, as the item itself reads it) noted on the way to its end. Leaves the reader on its end.
    /// </summary>
    private static Item ReadItem(ReadOnlyMemory<byte> frame, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"An item must be a JSON object, found {reader.TokenType}.");
        var start = (int)reader.TokenStartIndex;
        string? type = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType) type = reader.TokenType == JsonTokenType.String ? ItemTypes.Shared(ref reader) : null;
            reader.Skip();
        }
        return Item.FromObject(frame.Span[start..(int)reader.BytesConsumed], type);
    }

    private static Utf8JsonReader Required(Utf8JsonReader value, string name) =>
        value.TokenType == JsonTokenType.None ? throw new JsonException($"The event has no \"{name}\".") : value;

    private static string? OptionalString(Utf8JsonReader value) => value.TokenType == JsonTokenType.String ? value.GetString() : null;

    private static int OptionalInt(Utf8JsonReader value) => value.TokenType == JsonTokenType.Number && value.TryGetInt32(out var n) ? n : 0;

    private static string ReadType(ref Utf8JsonReader type)
    {
        foreach (var (utf8, text) in KnownTypes)
            if (type.ValueTextEquals(utf8)) return text;
        return type.GetString()!;
    }

    /// <summary>Errors are rare: they are read from a parsed document, which takes either of their two shapes easily.</summary>
    private static ApiError ReadError(ReadOnlyMemory<byte> frame)
    {
        using var document = JsonDocument.Parse(frame);
        var root = document.RootElement;
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

    /// <summary>Steering events are rare: read from a parsed document.</summary>
    private static SteerEvent ReadSteer(ReadOnlyMemory<byte> frame, string type, long sequence)
    {
        using var document = JsonDocument.Parse(frame);
        var root = document.RootElement;
        var steer = root.TryGetProperty("steer", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
        var required = root.TryGetProperty("required_input", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(stub => stub.ValueKind == JsonValueKind.Object).Select(stub => OptionalString(stub, "call_id")).OfType<string>().ToList()
            : [];
        return new SteerEvent(
            type,
            sequence,
            steer.ValueKind == JsonValueKind.Object ? OptionalString(steer, "id") : null,
            steer.ValueKind == JsonValueKind.Object ? OptionalString(steer, "previous_response_id") : null,
            error.ValueKind == JsonValueKind.Object ? OptionalString(error, "code") : null,
            error.ValueKind == JsonValueKind.Object ? OptionalString(error, "message") : null,
            required);
    }

    /// <summary>HTTP-only details travel in <c>error.headers</c>: <c>retry-after-ms</c> (exact) or <c>retry-after</c> (seconds).</summary>
    private static TimeSpan? ReadRetryAfter(JsonElement body)
    {
        if (!body.TryGetProperty("headers", out var headers) || headers.ValueKind != JsonValueKind.Object) return null;
        if (double.TryParse(OptionalString(headers, "retry-after-ms"), CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        if (double.TryParse(OptionalString(headers, "retry-after"), CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        return null;
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// The frame's type, its response object, and readers left on the values of the other top-level fields that events
    /// read (<see cref="JsonTokenType.None"/> where the frame has none). Reading them checks the whole frame is JSON.
    /// </summary>
    private ref struct TopLevelFields
    {
        public string Type;
        public Utf8JsonReader SequenceNumber, StreamId, OutputIndex, Item, ItemId, Delta;

        private bool _hasResponse;
        private ResponseObject? _response;
        private Exception? _responseProblem;

        /// <summary>The frame's response; an exception when it has none, or one that is not a valid response object.</summary>
        public readonly ResponseObject RequiredResponse()
        {
            if (!_hasResponse) throw new JsonException("The event has no \"response\".");
            if (_responseProblem is not null) ExceptionDispatchInfo.Throw(_responseProblem);
            return _response!;
        }

        /// <summary>
        /// Reads the response object <paramref name="reader"/> is on and leaves the reader on its end. One that is valid
        /// JSON but not a valid response (no id, a status that is a number, …) is kept as a problem: only the events that
        /// need a response fail for it.
        /// </summary>
        private void ReadResponseValue(ReadOnlyMemory<byte> frame, ref Utf8JsonReader reader)
        {
            var value = reader;
            _hasResponse = true;
            try
            {
                _response = ReadResponse(frame, ref reader);
                _responseProblem = null;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException)
            {
                // Back to the value's start; skipping it throws the reader's own exception if the JSON itself is broken.
                _response = null;
                _responseProblem = e;
                reader = value;
                reader.Skip();
            }
        }

        public static TopLevelFields Read(ReadOnlyMemory<byte> frame)
        {
            var fields = new TopLevelFields();
            var type = default(Utf8JsonReader);
            try
            {
                var reader = new Utf8JsonReader(frame.Span);
                if (!reader.Read()) throw new JsonException("The frame is empty.");
                var isObject = reader.TokenType == JsonTokenType.StartObject;
                if (!isObject) reader.Skip();
                while (isObject && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader;
                    reader.Read();
                    if (name.ValueTextEquals("type"u8)) type = reader;
                    else if (name.ValueTextEquals("sequence_number"u8)) fields.SequenceNumber = reader;
                    else if (name.ValueTextEquals("response"u8)) fields.ReadResponseValue(frame, ref reader);
                    else if (name.ValueTextEquals("output_index"u8)) fields.OutputIndex = reader;
                    else if (name.ValueTextEquals("item"u8)) fields.Item = reader;
                    else if (name.ValueTextEquals("item_id"u8)) fields.ItemId = reader;
                    else if (name.ValueTextEquals("delta"u8)) fields.Delta = reader;
                    else if (name.ValueTextEquals("stream_id"u8)) fields.StreamId = reader;
                    reader.Skip();
                }
                // One JSON value per frame: reading on throws on any text after it.
                reader.Read();
            }
            catch (JsonException e)
            {
                throw new ProtocolException($"The server sent a frame that is not JSON: {e.Message}", e);
            }
            if (type.TokenType != JsonTokenType.String) throw new ProtocolException("The server sent a frame without a string \"type\".");
            fields.Type = ReadType(ref type);
            return fields;
        }
    }
}
