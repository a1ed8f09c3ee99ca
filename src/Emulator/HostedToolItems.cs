using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator;

/// <summary>
/// Plausible output items of the tools the server runs itself. A user message with <c>hosted:TYPE</c> (web_search,
/// file_search, code_interpreter, mcp), answered without function calls, gets that tool's item before the answer when
/// the request declares a tool of that type: as the real API, the item is part of the response's output and of the
/// context that continues from it. Other hosted tools, and hosted tools not asked for, change nothing.
/// </summary>
internal static class HostedToolItems
{
    private const string Directive = "hosted:";

    public static void Prepend(List<ModelOutput> outputs, IReadOnlyList<ContextItem[]> segments, JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array || outputs.Exists(o => o.IsFunctionCall)
            || ScriptedModel.FindLatestUserMessage(segments) is not { } latest)
        {
            return;
        }

        string text = segments[latest.segment][latest.index].UserText ?? string.Empty;
        int at = outputs.FindIndex(o => o.Kind == ModelOutputKind.Message);
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            string name = type.GetString()!;
            if (!text.Contains(Directive + name, StringComparison.Ordinal) || Item(name, tool, text) is not { } item)
            {
                continue;
            }

            outputs.Insert(at < 0 ? outputs.Count : at++, item);
        }
    }

    private static ModelOutput? Item(string type, JsonElement tool, string text)
    {
        string query = text.Replace(Directive + type, string.Empty, StringComparison.Ordinal).Trim();
        JsonObject? fields = type switch
        {
            "web_search" or "web_search_preview" => new JsonObject
            {
                ["type"] = "web_search_call",
                ["status"] = "completed",
                ["action"] = new JsonObject { ["type"] = "search", ["query"] = query },
            },
            "file_search" => new JsonObject
            {
                ["type"] = "file_search_call",
                ["status"] = "completed",
                ["queries"] = new JsonArray(query),
                ["results"] = null,
            },
            "code_interpreter" => new JsonObject
            {
                ["type"] = "code_interpreter_call",
                ["status"] = "completed",
                ["code"] = "print(6 * 7)",
                ["container_id"] = "cntr_emulator",
                ["outputs"] = new JsonArray(new JsonObject { ["type"] = "logs", ["logs"] = "42\n" }),
            },
            "mcp" => new JsonObject
            {
                ["type"] = "mcp_call",
                ["status"] = "completed",
                ["server_label"] = tool.TryGetProperty("server_label", out JsonElement label) && label.ValueKind == JsonValueKind.String ? label.GetString() : "mcp",
                ["name"] = FirstAllowedTool(tool) ?? "search",
                ["arguments"] = new JsonObject { ["query"] = query }.ToJsonString(),
                ["output"] = "An answer from the emulated MCP server.",
                ["error"] = null,
            },
            _ => null,
        };
        return fields is null ? null : ModelOutput.Hosted(Prefix(type), JsonDocument.Parse(fields.ToJsonString()).RootElement.Clone());
    }

    private static string? FirstAllowedTool(JsonElement tool) =>
        tool.TryGetProperty("allowed_tools", out JsonElement allowed) && allowed.ValueKind == JsonValueKind.Array && allowed.GetArrayLength() > 0
        && allowed[0].ValueKind == JsonValueKind.String
            ? allowed[0].GetString()
            : null;

    private static string Prefix(string type) => type switch
    {
        "file_search" => "fs_",
        "code_interpreter" => "ci_",
        "mcp" => "mcp_",
        _ => "ws_",
    };
}
