using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>
/// One input or output item of a response (message, function_call, function_call_output, reasoning, …),
/// kept as the exact JSON it came as. Items the engine does not understand — reasoning with
/// <c>encrypted_content</c>, web search calls, fields added by newer servers — must be sent back
/// unchanged on a full resend, so the JSON is the item; the typed accessors are read-only views.
/// </summary>
[JsonConverter(typeof(ItemJsonConverter))]
public sealed class Item : IEquatable<Item>
{
    private Item(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"An item must be a JSON object, not {json.ValueKind}.", nameof(json));
        Json = json;
        // Input messages may omit "type" (the API defaults it to "message").
        Type = json.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()!
            : ItemTypes.Message;
    }

    /// <summary>The item exactly as received or created; detached from any pooled document.</summary>
    public JsonElement Json { get; }

    public string Type { get; }

    public bool IsFunctionCall => Type == ItemTypes.FunctionCall;

    public bool IsFunctionCallOutput => Type == ItemTypes.FunctionCallOutput;

    public string? CallId => GetString("call_id");

    public string? Name => GetString("name");

    public string? Arguments => GetString("arguments");

    public string? Role => GetString("role");

    /// <summary>The <c>output</c> of a function_call_output item when it is a string.</summary>
    public string? Output => GetString("output");

    /// <summary>Text of a message item: a string content, or its text parts concatenated.</summary>
    public string Text
    {
        get
        {
            if (!Json.TryGetProperty("content", out var content)) return "";
            if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
            if (content.ValueKind != JsonValueKind.Array) return "";
            var parts = content.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(p => p.GetProperty("text").GetString());
            return string.Concat(parts);
        }
    }

    /// <summary>Takes a copy of <paramref name="json"/>, so the source document may be disposed.</summary>
    public static Item From(JsonElement json) => new(json.Clone());

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

    public void WriteTo(Utf8JsonWriter writer) => Json.WriteTo(writer);

    public override string ToString() => Json.GetRawText();

    public bool Equals(Item? other) => other is not null && JsonElement.DeepEquals(Json, other.Json);

    public override bool Equals(object? obj) => Equals(obj as Item);

    public override int GetHashCode() => HashCode.Combine(Type, CallId);

    private string? GetString(string property) =>
        Json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Item Build(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return From(document.RootElement);
    }
}

public static class ItemTypes
{
    public const string Message = "message";
    public const string FunctionCall = "function_call";
    public const string FunctionCallOutput = "function_call_output";
    public const string Reasoning = "reasoning";
}
