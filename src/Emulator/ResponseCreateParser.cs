using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// Validates a <c>response.create</c> event the way the real server does for the fields the
/// emulator uses, and tolerates every other field (<c>stream</c>, <c>background</c>, <c>include</c>, …).
/// </summary>
internal static class ResponseCreateParser
{
    public static bool TryParse(JsonElement root, out ResponseCreateRequest? request, out ProtocolError? error)
    {
        request = null;
        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelName)
        {
            error = ProtocolError.MissingParameter("model");
            return false;
        }

        if (!TryReadOptionalString(root, "previous_response_id", out string? previousResponseId, out error)
            || !TryReadStore(root, out bool store, out error)
            || !TryReadInput(root, out ContextItem[]? input, out error)
            || !TryReadTools(root, out List<FunctionTool>? tools, out JsonElement rawTools, out error))
        {
            return false;
        }

        request = new ResponseCreateRequest
        {
            Model = modelName,
            Input = input!,
            FunctionTools = tools!,
            PreviousResponseId = previousResponseId,
            Store = store,
            Instructions = PresentOrUndefined(root, "instructions"),
            Tools = rawTools,
            Metadata = PresentOrUndefined(root, "metadata"),
        };
        return true;
    }

    /// <summary>The <c>store</c> flag read leniently (for traffic records of any event): only an explicit false is false.</summary>
    public static bool ReadStoreLeniently(JsonElement root) =>
        !(root.TryGetProperty("store", out JsonElement store) && store.ValueKind == JsonValueKind.False);

    public static string? ReadPreviousResponseIdLeniently(JsonElement root) =>
        root.TryGetProperty("previous_response_id", out JsonElement id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    public static int CountInputItemsLeniently(JsonElement root)
    {
        if (!root.TryGetProperty("input", out JsonElement input))
        {
            return 0;
        }

        return input.ValueKind switch
        {
            JsonValueKind.String => 1,
            JsonValueKind.Array => input.GetArrayLength(),
            _ => 0,
        };
    }

    private static JsonElement PresentOrUndefined(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : default;

    private static bool TryReadOptionalString(JsonElement root, string name, out string? value, out ProtocolError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = ProtocolError.InvalidType(name, "a string");
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool TryReadStore(JsonElement root, out bool store, out ProtocolError? error)
    {
        store = true;
        error = null;
        if (!root.TryGetProperty("store", out JsonElement element))
        {
            return true;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.True:
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.False:
                store = false;
                return true;
            default:
                error = ProtocolError.InvalidType("store", "a boolean");
                return false;
        }
    }

    private static bool TryReadInput(JsonElement root, out ContextItem[]? items, out ProtocolError? error)
    {
        error = null;
        if (!root.TryGetProperty("input", out JsonElement input) || input.ValueKind == JsonValueKind.Null)
        {
            items = [];
            return true;
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            // A string input is one user message; its size is that of the string as sent.
            items = [new ContextItem(ContextItemKind.UserMessage, null, input.GetString(), JsonMarshal.GetRawUtf8Value(input).Length)];
            return true;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            items = null;
            error = ProtocolError.InvalidType("input", "one of a string or array of input items");
            return false;
        }

        items = new ContextItem[input.GetArrayLength()];
        int index = 0;
        foreach (JsonElement item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                error = ProtocolError.InvalidType($"input[{index}]", "an object");
                items = null;
                return false;
            }

            items[index++] = ReadItem(item);
        }

        return true;
    }

    private static ContextItem ReadItem(JsonElement item)
    {
        int bytes = JsonMarshal.GetRawUtf8Value(item).Length;
        string? type = item.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String
            ? typeElement.GetString()
            : null;
        switch (type)
        {
            case "function_call":
                return new ContextItem(ContextItemKind.FunctionCall, ReadCallId(item), null, bytes);
            case "function_call_output":
                return new ContextItem(ContextItemKind.FunctionCallOutput, ReadCallId(item), null, bytes);
            case "message" or null when item.TryGetProperty("role", out JsonElement role):
                return role.ValueEquals("user"u8)
                    ? new ContextItem(ContextItemKind.UserMessage, null, ReadUserText(item), bytes)
                    : new ContextItem(ContextItemKind.OtherMessage, null, null, bytes);
            default:
                return new ContextItem(ContextItemKind.Other, null, null, bytes);
        }
    }

    private static string? ReadCallId(JsonElement item) =>
        item.TryGetProperty("call_id", out JsonElement callId) && callId.ValueKind == JsonValueKind.String ? callId.GetString() : null;

    private static string ReadUserText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out JsonElement content))
        {
            return string.Empty;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return string.Empty;
        }

        StringBuilder? joined = null;
        string? single = null;
        foreach (JsonElement part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object
                || !part.TryGetProperty("type", out JsonElement partType) || !partType.ValueEquals("input_text"u8)
                || !part.TryGetProperty("text", out JsonElement text) || text.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            if (single is null)
            {
                single = text.GetString();
                continue;
            }

            joined ??= new StringBuilder(single);
            joined.Append('\n').Append(text.GetString());
        }

        return joined?.ToString() ?? single ?? string.Empty;
    }

    private static bool TryReadTools(JsonElement root, out List<FunctionTool>? tools, out JsonElement rawTools, out ProtocolError? error)
    {
        error = null;
        tools = [];
        rawTools = default;
        if (!root.TryGetProperty("tools", out JsonElement array) || array.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            error = ProtocolError.InvalidType("tools", "an array");
            return false;
        }

        rawTools = array;
        int index = 0;
        foreach (JsonElement tool in array.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object
                && tool.TryGetProperty("type", out JsonElement type) && type.ValueEquals("function"u8))
            {
                if (!tool.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } toolName)
                {
                    error = ProtocolError.MissingParameter($"tools[{index}].name");
                    return false;
                }

                JsonElement parameters = tool.TryGetProperty("parameters", out JsonElement schema) && schema.ValueKind == JsonValueKind.Object ? schema : default;
                tools.Add(new FunctionTool(toolName, parameters));
            }

            index++;
        }

        return true;
    }
}
