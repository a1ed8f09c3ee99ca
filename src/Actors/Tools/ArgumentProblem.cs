using System.Text.Json;

namespace Orchestrator.Actors.Tools;

/// <summary>
/// Rewrites System.Text.Json's binding errors, written for .NET developers (CLR type names, nullability advice),
/// into what a model can act on: the JSON path and what the schema expects there. Any message it does not
/// recognise passes through unchanged, so a runtime that rewords its errors only loses polish.
/// </summary>
internal static class ArgumentProblem
{
    public static string Describe(JsonException exception, JsonElement schema)
    {
        string message = exception.Message;
        string path = exception.Path ?? "$";

        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            string parent = ParentOf(path);
            string allowed = At(schema, parent) is { } node && node.TryGetProperty("properties", out JsonElement properties)
                ? string.Join(", ", properties.EnumerateObject().Select(property => property.Name))
                : "none";
            return $"Unknown property {path}; the properties allowed at {parent} are: {allowed}.";
        }

        const string missing = "missing required properties including: ";
        int missingAt = message.IndexOf(missing, StringComparison.Ordinal);
        if (missingAt >= 0)
        {
            return $"Missing required properties at {path}: {message[(missingAt + missing.Length)..].TrimEnd('.')}.";
        }

        if ((message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal)
             || message.Contains("doesn't allow null values", StringComparison.Ordinal))
            && At(schema, path) is { } expected && Expected(expected) is { } what)
        {
            return path == "$" ? $"The arguments must be {what}." : $"The value at {path} must be {what}.";
        }

        return message;
    }

    private static string ParentOf(string path)
    {
        int cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut > 0 ? path[..cut] : "$";
    }

    // Walks "$.a.b[0].c" through properties and items; gives up (null) on anything else, e.g. $ref.
    private static JsonElement? At(JsonElement schema, string path)
    {
        JsonElement node = schema;
        foreach (string segment in path.TrimStart('$').Replace("[", ".[", StringComparison.Ordinal)
                     .Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bool found = segment.StartsWith('[')
                ? node.TryGetProperty("items", out node)
                : node.TryGetProperty("properties", out node) && node.TryGetProperty(segment, out node);
            if (!found)
            {
                return null;
            }
        }

        return node;
    }

    private static string? Expected(JsonElement node)
    {
        if (node.TryGetProperty("enum", out JsonElement values))
        {
            return "one of " + string.Join(", ", values.EnumerateArray().Select(value => value.GetRawText()));
        }

        if (!node.TryGetProperty("type", out JsonElement type))
        {
            return null;
        }

        return type.ValueKind == JsonValueKind.Array
            ? string.Join(" or ", type.EnumerateArray().Select(t => Article(t.GetString())))
            : Article(type.GetString());
    }

    private static string Article(string? type) => type switch
    {
        "null" => "null",
        "integer" or "object" or "array" => "an " + type,
        _ => "a " + type,
    };
}
