using System.Text.Json;

namespace Orchestrator.Emulator.Tests;

/// <summary>
/// An independent check of the JSON Schema subset function tools use (types, enum, const,
/// properties, required, additionalProperties:false, items, bounds, anyOf/oneOf/allOf, local $ref).
/// </summary>
internal static class SchemaValidator
{
    public static List<string> Validate(JsonElement value, JsonElement schema)
    {
        var errors = new List<string>();
        Check(value, schema, schema, "$", errors);
        return errors;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out JsonElement reference))
        {
            JsonElement target = root;
            foreach (string segment in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target.GetProperty(segment);
            }

            Check(value, target, root, path, errors);
            return;
        }

        if (schema.TryGetProperty("anyOf", out JsonElement anyOf) || schema.TryGetProperty("oneOf", out anyOf))
        {
            if (!anyOf.EnumerateArray().Any(option => Validate(value, option, root)))
            {
                errors.Add($"{path}: matches no alternative");
            }
        }

        if (schema.TryGetProperty("allOf", out JsonElement allOf))
        {
            foreach (JsonElement part in allOf.EnumerateArray())
            {
                Check(value, part, root, path, errors);
            }
        }

        if (schema.TryGetProperty("const", out JsonElement constant) && !JsonElement.DeepEquals(constant, value))
        {
            errors.Add($"{path}: not the const {constant}");
        }

        if (schema.TryGetProperty("enum", out JsonElement values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
        {
            errors.Add($"{path}: {value} not in enum");
        }

        if (schema.TryGetProperty("type", out JsonElement type))
        {
            string[] allowed = type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!)] : [type.GetString()!];
            if (!allowed.Any(t => HasType(value, t)))
            {
                errors.Add($"{path}: {value.ValueKind} is not {string.Join("|", allowed)}");
                return;
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, root, path, errors);
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("minItems", out JsonElement minItems) && value.GetArrayLength() < minItems.GetInt32())
                {
                    errors.Add($"{path}: fewer than {minItems} items");
                }

                if (schema.TryGetProperty("items", out JsonElement items))
                {
                    int index = 0;
                    foreach (JsonElement item in value.EnumerateArray())
                    {
                        Check(item, items, root, $"{path}[{index++}]", errors);
                    }
                }

                break;
            case JsonValueKind.Number:
                double number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out JsonElement min) && number < min.GetDouble())
                {
                    errors.Add($"{path}: {number} below minimum");
                }

                if (schema.TryGetProperty("maximum", out JsonElement max) && number > max.GetDouble())
                {
                    errors.Add($"{path}: {number} above maximum");
                }

                break;
            case JsonValueKind.String:
                int length = value.GetString()!.Length;
                if (schema.TryGetProperty("minLength", out JsonElement minLength) && length < minLength.GetInt32())
                {
                    errors.Add($"{path}: shorter than {minLength}");
                }

                if (schema.TryGetProperty("maxLength", out JsonElement maxLength) && length > maxLength.GetInt32())
                {
                    errors.Add($"{path}: longer than {maxLength}");
                }

                break;
        }
    }

    private static void CheckObject(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors)
    {
        bool hasProperties = schema.TryGetProperty("properties", out JsonElement properties);
        if (schema.TryGetProperty("required", out JsonElement required))
        {
            foreach (JsonElement name in required.EnumerateArray())
            {
                if (!value.TryGetProperty(name.GetString()!, out _))
                {
                    errors.Add($"{path}: missing required '{name.GetString()}'");
                }
            }
        }

        bool closed = schema.TryGetProperty("additionalProperties", out JsonElement additional) && additional.ValueKind == JsonValueKind.False;
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out JsonElement propertySchema))
            {
                Check(property.Value, propertySchema, root, $"{path}.{property.Name}", errors);
            }
            else if (closed)
            {
                errors.Add($"{path}: unexpected property '{property.Name}'");
            }
        }
    }

    private static bool Validate(JsonElement value, JsonElement schema, JsonElement root)
    {
        var errors = new List<string>();
        Check(value, schema, root, "$", errors);
        return errors.Count == 0;
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };
}
