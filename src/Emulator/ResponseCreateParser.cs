using System.Buffers;
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
    private const int MaxStreamIdLength = 256;
    private static readonly SearchValues<char> StreamIdCharacters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

    /// <param name="verifyReasoning">Refuse reasoning items whose opaque content the emulator did not issue (set when it issues them).</param>
    public static bool TryParse(JsonElement root, bool verifyReasoning, out ResponseCreateRequest? request, out ProtocolError? error)
    {
        request = null;
        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelName)
        {
            error = ProtocolError.MissingParameter("model");
            return false;
        }

        if (!TryReadOptionalString(root, "previous_response_id", out string? previousResponseId, out error)
            || !TryReadStreamId(root, out string? streamId, out error)
            || !TryReadFlag(root, "store", out bool store, out error)
            || !TryReadFlag(root, "generate", out bool generate, out error)
            || !TryReadInput(root, verifyReasoning, out ContextItem[]? input, out error)
            || !TryReadTools(root, out List<FunctionTool>? tools, out JsonElement rawTools, out error)
            || !TryReadMaxOutputTokens(root, out int? maxOutputTokens, out error)
            || !PromptCacheOptionsReader.TryRead(root, out bool prewarm, out error))
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
            StreamId = streamId,
            Generate = generate && !prewarm,
            IncludeEncryptedReasoning = IncludesEncryptedReasoning(root),
            CompactThreshold = ReadCompactThreshold(root),
            MaxOutputTokens = maxOutputTokens,
            Instructions = PresentOrUndefined(root, "instructions"),
            Tools = rawTools,
            Metadata = PresentOrUndefined(root, "metadata"),
        };
        return true;
    }

    /// <summary>The <c>store</c> flag read leniently (for traffic records of any event): only an explicit false is false.</summary>
    public static bool ReadStoreLeniently(JsonElement root) =>
        !(root.TryGetProperty("store", out JsonElement store) && store.ValueKind == JsonValueKind.False);

    public static string? ReadStreamIdLeniently(JsonElement root) =>
        root.TryGetProperty("stream_id", out JsonElement id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

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

    /// <summary><c>stream_id</c>, when present: 1–256 characters of <c>[A-Za-z0-9_.-]</c>, else <c>invalid_stream_id</c>.</summary>
    private static bool TryReadStreamId(JsonElement root, out string? streamId, out ProtocolError? error)
    {
        if (!TryReadOptionalString(root, "stream_id", out streamId, out error))
        {
            return false;
        }

        if (streamId is not null && (streamId.Length is 0 or > MaxStreamIdLength || streamId.AsSpan().ContainsAnyExcept(StreamIdCharacters)))
        {
            error = ProtocolError.InvalidStreamId(MaxStreamIdLength);
            return false;
        }

        return true;
    }

    /// <summary>A boolean that defaults to true when absent or null (<c>store</c>, <c>generate</c>).</summary>
    private static bool TryReadFlag(JsonElement root, string name, out bool value, out ProtocolError? error)
    {
        value = true;
        error = null;
        if (!root.TryGetProperty(name, out JsonElement element))
        {
            return true;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.True:
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.False:
                value = false;
                return true;
            default:
                error = ProtocolError.InvalidType(name, "a boolean");
                return false;
        }
    }

    private static bool TryReadMaxOutputTokens(JsonElement root, out int? value, out ProtocolError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty("max_output_tokens", out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (!element.TryGetInt32(out int tokens) || tokens < 1)
        {
            error = ProtocolError.InvalidType("max_output_tokens", "a positive integer");
            return false;
        }

        value = tokens;
        return true;
    }

    private static int? ReadCompactThreshold(JsonElement root)
    {
        if (!root.TryGetProperty("context_management", out JsonElement entries) || entries.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (JsonElement entry in entries.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object
                && entry.TryGetProperty("type", out JsonElement type) && type.ValueEquals("compaction"u8)
                && entry.TryGetProperty("compact_threshold", out JsonElement threshold) && threshold.TryGetInt32(out int tokens))
            {
                return tokens;
            }
        }

        return null;
    }

    private static bool IncludesEncryptedReasoning(JsonElement root)
    {
        if (!root.TryGetProperty("include", out JsonElement include) || include.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (JsonElement entry in include.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String && entry.ValueEquals("reasoning.encrypted_content"u8))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The <c>input</c> of a <c>response.create</c> or <c>response.steer</c> event.</summary>
    public static bool TryReadInput(JsonElement root, bool verifyReasoning, out ContextItem[]? items, out ProtocolError? error)
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

            if (verifyReasoning && !TryCheckOpaqueContent(item, index, out error))
            {
                items = null;
                return false;
            }

            if (item.TryGetProperty("type", out JsonElement itemType) && itemType.ValueEquals("compaction_trigger"u8))
            {
                if (index != items.Length - 1)
                {
                    error = ProtocolError.InvalidRequest("invalid_value", "A compaction_trigger item must be the last item of the input.", $"input[{index}]");
                    items = null;
                    return false;
                }

                items[index++] = new ContextItem(ContextItemKind.CompactionTrigger, null, null, 0);
                continue;
            }

            if (IsCompaction(item))
            {
                // Only the emulator issues compaction items: their content says what they replaced.
                if (!item.TryGetProperty("encrypted_content", out JsonElement content) || content.ValueKind != JsonValueKind.String
                    || CompactionState.TryOpen(content.GetString()!) is not { } state)
                {
                    error = ProtocolError.InvalidEncryptedContent($"input[{index}].encrypted_content");
                    items = null;
                    return false;
                }

                items[index++] = new ContextItem(ContextItemKind.Compaction, null, null, JsonMarshal.GetRawUtf8Value(item).Length, state);
                continue;
            }

            items[index++] = ReadItem(item);
        }

        return true;
    }

    private static bool IsCompaction(JsonElement item) =>
        item.TryGetProperty("type", out JsonElement type) && type.ValueEquals("compaction"u8);

    /// <summary>A reasoning item sent back must carry the opaque content exactly as the emulator issued it.</summary>
    private static bool TryCheckOpaqueContent(JsonElement item, int index, out ProtocolError? error)
    {
        error = null;
        if (item.TryGetProperty("type", out JsonElement type) && type.ValueEquals("reasoning"u8)
            && item.TryGetProperty("encrypted_content", out JsonElement content) && content.ValueKind != JsonValueKind.Null
            && (content.ValueKind != JsonValueKind.String || OpaqueContent.TryOpen("reasoning", content.GetString()!) is null))
        {
            error = ProtocolError.InvalidEncryptedContent($"input[{index}].encrypted_content");
            return false;
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
