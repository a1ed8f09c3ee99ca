using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>
/// One input or output item of a response (message, function_call, function_call_output, reasoning, …),
/// kept as the exact JSON it came as. Items the engine does not understand — reasoning with
/// <c>encrypted_content</c>, web search calls, fields added by newer servers — must be sent back
/// unchanged on a full resend, so the JSON is the item; the typed accessors are read-only views.
/// The item holds only its UTF-8 text: an idle conversation keeps hundreds of items, and a parsed document
/// (an index of every token) would more than double their size. Accessors read the text when asked.
/// </summary>
[JsonConverter(typeof(ItemJsonConverter))]
public sealed class Item : IEquatable<Item>
{
    private readonly byte[] _utf8;

    /// <param name="utf8">One JSON object, valid and owned by this item from now on.</param>
    private Item(byte[] utf8)
    {
        _utf8 = utf8;
        var reader = Property("type");
        Type = reader.TokenType == JsonTokenType.String ? ItemTypes.Shared(ref reader) : ItemTypes.Message;
    }

    /// <param name="utf8">One JSON object, valid and owned by this item from now on.</param>
    /// <param name="type">Its last <c>type</c> when that is a string, read by whoever read the object; else null.</param>
    private Item(byte[] utf8, string? type)
    {
        _utf8 = utf8;
        // Input messages may omit "type" (the API defaults it to "message").
        Type = type ?? ItemTypes.Message;
    }

    /// <summary>The item exactly as received or created, parsed anew on each call.</summary>
    public JsonElement Json
    {
        get
        {
            var reader = new Utf8JsonReader(_utf8);
            return JsonElement.ParseValue(ref reader);
        }
    }

    public string Type { get; }

    public bool IsFunctionCall => Type == ItemTypes.FunctionCall;

    public bool IsFunctionCallOutput => Type == ItemTypes.FunctionCallOutput;

    public string? CallId => GetString("call_id");

    public string? Name => GetString("name");

    public string? Arguments => GetString("arguments");

    public string? Role => GetString("role");

    /// <summary>
    /// <see cref="CallId"/>, <see cref="Name"/> and <see cref="Arguments"/> in one pass over the item rather than one
    /// per field, for a call about to be run: every call of every turn is read here.
    /// </summary>
    public FunctionCallFields ReadFunctionCall()
    {
        string? callId = null, name = null, arguments = null;
        var reader = new Utf8JsonReader(_utf8);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // The last of a name wins, as for the other accessors; a value that is not a string reads as null.
            var which = reader.ValueTextEquals("call_id"u8) ? 1 : reader.ValueTextEquals("name"u8) ? 2 : reader.ValueTextEquals("arguments"u8) ? 3 : 0;
            reader.Read();
            var value = which != 0 && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            switch (which)
            {
                case 1: callId = value; break;
                case 2: name = value; break;
                case 3: arguments = value; break;
            }
            reader.Skip();
        }
        return new FunctionCallFields(callId, name, arguments);
    }

    /// <summary>The <c>output</c> of a function_call_output item when it is a string.</summary>
    public string? Output => GetString("output");

    /// <summary>Text of a message item: a string content, or its text parts concatenated.</summary>
    public string Text
    {
        get
        {
            var reader = Property("content");
            if (reader.TokenType == JsonTokenType.String) return reader.GetString()!;
            if (reader.TokenType != JsonTokenType.StartArray) return "";
            var parts = JsonElement.ParseValue(ref reader).EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(p => p.GetProperty("text").GetString());
            return string.Concat(parts);
        }
    }

    /// <summary>Takes a copy of <paramref name="json"/>'s text, so the source document may be disposed.</summary>
    public static Item From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"An item must be a JSON object, not {json.ValueKind}.", nameof(json));
        return new Item(JsonMarshal.GetRawUtf8Value(json).ToArray());
    }

    /// <param name="utf8Object">One JSON object, already read through (so valid), as it came.</param>
    /// <param name="type">Its last <c>type</c> when that is a string, as the caller read it on its way through; else null.</param>
    internal static Item FromObject(ReadOnlySpan<byte> utf8Object, string? type) => new(utf8Object.ToArray(), type);

    public static Item Parse(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json.ToArray());
        return From(document.RootElement);
    }

    public static Item Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return From(document.RootElement);
    }

    public static Item UserMessage(string text) => Build(w =>
    {
        w.WriteString("type", ItemTypes.Message);
        w.WriteString("role", "user");
        w.WriteStartArray("content");
        w.WriteStartObject();
        w.WriteString("type", "input_text");
        w.WriteString("text", text);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    public static Item FunctionCallOutput(string callId, string output) => Build(w =>
    {
        w.WriteString("type", ItemTypes.FunctionCallOutput);
        w.WriteString("call_id", callId);
        w.WriteString("output", output);
    });

    public void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(_utf8, skipInputValidation: true);

    public override string ToString() => Encoding.UTF8.GetString(_utf8);

    public bool Equals(Item? other) =>
        other is not null && (_utf8.AsSpan().SequenceEqual(other._utf8) || JsonElement.DeepEquals(Json, other.Json));

    public override bool Equals(object? obj) => Equals(obj as Item);

    public override int GetHashCode() => HashCode.Combine(Type, CallId);

    private string? GetString(string property)
    {
        var reader = Property(property);
        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }

    /// <summary>A reader on the value of a top-level property (the last one of that name, as a parsed document
    /// would give); on <see cref="JsonTokenType.None"/> when the item has none.</summary>
    private Utf8JsonReader Property(string name)
    {
        var reader = new Utf8JsonReader(_utf8);
        var found = default(Utf8JsonReader);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match) found = reader;
            reader.Skip();
        }
        return found;
    }

    private static Item Build(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }
        return new Item(buffer.WrittenSpan.ToArray());
    }
}

public static class ItemTypes
{
    public const string Message = "message";
    public const string FunctionCall = "function_call";
    public const string FunctionCallOutput = "function_call_output";
    public const string Reasoning = "reasoning";

    private static readonly string[] Known = [Message, FunctionCall, FunctionCallOutput, Reasoning];

    /// <summary>The type's text, shared when it is a known one: a window holds hundreds of items per conversation.</summary>
    internal static string Shared(ref Utf8JsonReader type)
    {
        foreach (var known in Known)
            if (type.ValueTextEquals(known)) return known;
        return type.GetString()!;
    }
}
