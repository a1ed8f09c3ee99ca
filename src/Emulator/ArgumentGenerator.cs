using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// Makes function-call arguments that are valid for a tool's JSON schema, deterministically:
/// every property (so strict schemas are met), enums rotating by call index, defaults where given,
/// non-zero numbers within bounds, one-element arrays; <c>$ref</c> (to <c>#/$defs</c>,
/// <c>#/definitions</c> or any local pointer), <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c> and type arrays
/// such as <c>["string","null"]</c> are followed.
/// </summary>
internal static class ArgumentGenerator
{
    // Past this depth only required properties and minItems elements are written, so that
    // recursive schemas (a node whose optional children are nodes) end in valid values.
    private const int MinimalDepth = 6;

    // Past this depth objects and arrays are written empty: only a schema that requires itself gets here.
    private const int MaxDepth = 12;

    private static readonly string[] SampleWords = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Denver", "Nairobi", "Perth"];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Generate(JsonElement schema, int callIndex)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "{}";
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            var state = new State(schema, callIndex);
            WriteValue(writer, schema, ref state, 0);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement schema, ref State state, int depth)
    {
        schema = Resolve(schema, state.Root);
        if (depth > MaxDepth * 2)
        {
            // Only a schema that refers to itself without ever reaching an object or array gets here.
            writer.WriteNullValue();
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            // `true` / `{}`-like schemas accept anything.
            writer.WriteStringValue(state.NextWord());
            return;
        }

        if (schema.TryGetProperty("const", out JsonElement constant))
        {
            constant.WriteTo(writer);
            return;
        }

        if (schema.TryGetProperty("enum", out JsonElement values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[state.CallIndex % values.GetArrayLength()].WriteTo(writer);
            return;
        }

        if (TryPickAlternative(schema, out JsonElement alternative))
        {
            WriteValue(writer, alternative, ref state, depth + 1);
            return;
        }

        switch (TypeOf(schema))
        {
            case "object":
                WriteObject(writer, schema, ref state, depth);
                break;
            case "array":
                WriteArray(writer, schema, ref state, depth);
                break;
            case "integer":
                writer.WriteNumberValue((long)PickNumber(schema, ref state, integer: true));
                break;
            case "number":
                writer.WriteNumberValue(PickNumber(schema, ref state, integer: false));
                break;
            case "boolean":
                writer.WriteBooleanValue(!(schema.TryGetProperty("default", out JsonElement flag) && flag.ValueKind == JsonValueKind.False));
                break;
            case "null":
                writer.WriteNullValue();
                break;
            default:
                WriteString(writer, schema, ref state);
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, JsonElement schema, ref State state, int depth)
    {
        writer.WriteStartObject();
        if (depth < MaxDepth)
        {
            if (schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in properties.EnumerateObject())
                {
                    if (depth >= MinimalDepth && !IsRequired(schema, property.Name))
                    {
                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    WriteValue(writer, property.Value, ref state, depth + 1);
                }
            }

            WriteRequiredWithoutSchema(writer, schema, ref state);
        }

        writer.WriteEndObject();
    }

    /// <summary>A required name with no property schema still has to be present: give it a sample word.</summary>
    private static void WriteRequiredWithoutSchema(Utf8JsonWriter writer, JsonElement schema, ref State state)
    {
        if (!schema.TryGetProperty("required", out JsonElement required) || required.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        bool hasProperties = schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object;
        foreach (JsonElement name in required.EnumerateArray())
        {
            if (name.ValueKind == JsonValueKind.String && !(hasProperties && properties.TryGetProperty(name.GetString()!, out _)))
            {
                writer.WriteString(name.GetString()!, state.NextWord());
            }
        }
    }

    private static bool IsRequired(JsonElement schema, string name)
    {
        if (!schema.TryGetProperty("required", out JsonElement required) || required.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (JsonElement entry in required.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String && entry.ValueEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    private static void WriteArray(Utf8JsonWriter writer, JsonElement schema, ref State state, int depth)
    {
        writer.WriteStartArray();
        if (depth < MaxDepth)
        {
            int minItems = ReadInt(schema, "minItems") ?? 0;
            int count = depth >= MinimalDepth ? minItems : Math.Max(1, minItems);
            JsonElement items = schema.TryGetProperty("items", out JsonElement itemSchema) ? itemSchema : default;
            for (int i = 0; i < count; i++)
            {
                WriteValue(writer, items, ref state, depth + 1);
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteString(Utf8JsonWriter writer, JsonElement schema, ref State state)
    {
        if (schema.TryGetProperty("default", out JsonElement fallback) && fallback.ValueKind == JsonValueKind.String)
        {
            writer.WriteStringValue(fallback.GetString());
            return;
        }

        string? format = schema.TryGetProperty("format", out JsonElement formatElement) && formatElement.ValueKind == JsonValueKind.String
            ? formatElement.GetString()
            : null;
        string value = format switch
        {
            "date-time" => "2025-01-15T09:30:00Z",
            "date" => "2025-01-15",
            "time" => "09:30:00",
            "email" => "ada@example.com",
            "uri" or "url" => "https://example.com/",
            "uuid" => "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f",
            _ => state.NextWord(),
        };
        int? maxLength = ReadInt(schema, "maxLength");
        if (maxLength is { } max && max > 0 && value.Length > max)
        {
            value = value[..max];
        }

        int minLength = ReadInt(schema, "minLength") ?? 0;
        writer.WriteStringValue(value.Length >= minLength ? value : value.PadRight(minLength, 'x'));
    }

    private static double PickNumber(JsonElement schema, ref State state, bool integer)
    {
        if (schema.TryGetProperty("default", out JsonElement fallback) && fallback.ValueKind == JsonValueKind.Number)
        {
            return fallback.GetDouble();
        }

        double value = 1 + state.NextNumber() % 9;
        double? minimum = ReadDouble(schema, "minimum") ?? (ReadDouble(schema, "exclusiveMinimum") is { } exclusiveMin ? Math.Floor(exclusiveMin) + 1 : null);
        double? maximum = ReadDouble(schema, "maximum") ?? (ReadDouble(schema, "exclusiveMaximum") is { } exclusiveMax ? Math.Ceiling(exclusiveMax) - 1 : null);
        if (minimum is { } low && value < low)
        {
            value = integer ? Math.Ceiling(low) : low;
        }

        if (maximum is { } high && value > high)
        {
            value = integer ? Math.Floor(high) : high;
        }

        return value;
    }

    private static bool TryPickAlternative(JsonElement schema, out JsonElement alternative)
    {
        foreach (string keyword in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (!schema.TryGetProperty(keyword, out JsonElement options) || options.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            // Prefer a branch that is not just null, so the arguments carry a real value.
            JsonElement first = default;
            foreach (JsonElement option in options.EnumerateArray())
            {
                if (first.ValueKind == JsonValueKind.Undefined)
                {
                    first = option;
                }

                if (option.ValueKind == JsonValueKind.Object && TypeOf(option) != "null")
                {
                    alternative = option;
                    return true;
                }
            }

            if (first.ValueKind != JsonValueKind.Undefined)
            {
                alternative = first;
                return true;
            }
        }

        alternative = default;
        return false;
    }

    /// <summary>The schema's type; the first non-null one of a type array; inferred from keywords when absent.</summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (schema.TryGetProperty("type", out JsonElement type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return type.GetString();
            }

            if (type.ValueKind == JsonValueKind.Array)
            {
                string? chosen = null;
                foreach (JsonElement candidate in type.EnumerateArray())
                {
                    if (candidate.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    chosen ??= candidate.GetString();
                    if (!candidate.ValueEquals("null"u8))
                    {
                        return candidate.GetString();
                    }
                }

                return chosen;
            }
        }

        if (schema.TryGetProperty("properties", out _))
        {
            return "object";
        }

        return schema.TryGetProperty("items", out _) ? "array" : null;
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement root)
    {
        for (int hops = 0; hops < MaxDepth && schema.ValueKind == JsonValueKind.Object; hops++)
        {
            if (!schema.TryGetProperty("$ref", out JsonElement reference) || reference.ValueKind != JsonValueKind.String)
            {
                return schema;
            }

            schema = FollowPointer(root, reference.GetString()!);
        }

        return schema;
    }

    /// <summary>Follows a local JSON pointer such as <c>#/$defs/Address</c>; undefined when it leads nowhere.</summary>
    private static JsonElement FollowPointer(JsonElement root, string reference)
    {
        if (!reference.StartsWith('#'))
        {
            return default;
        }

        JsonElement current = root;
        foreach (string segment in reference[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = segment.Replace("~1", "/").Replace("~0", "~");
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out JsonElement next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(name, out int index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return default;
            }
        }

        return current;
    }

    private static int? ReadInt(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) ? number : null;

    private static double? ReadDouble(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    /// <summary>Rotates sample words and numbers across the fields of one call and across calls.</summary>
    private struct State(JsonElement root, int callIndex)
    {
        private int _words;
        private int _numbers;

        public JsonElement Root { get; } = root;

        public int CallIndex { get; } = callIndex;

        public string NextWord() => SampleWords[(CallIndex + _words++) % SampleWords.Length];

        public int NextNumber() => CallIndex + _numbers++;
    }
}
