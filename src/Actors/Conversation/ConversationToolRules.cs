using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// What a conversation's own tools (<see cref="ConversationToolSettings"/>) may hold. They are persisted with the
/// conversation and sent with every full request, so they are checked once, when it is created: client tools need a
/// name the model can call (the Responses API's pattern) that no other tool of the node or conversation has, and a JSON
/// schema object; hosted tools are objects with a type other than <c>function</c>; count and size are bounded.
/// </summary>
public static partial class ConversationToolRules
{
    private static readonly string[] ChoiceWords = ["auto", "required", "none"];

    /// <summary>Why <paramref name="tools"/> cannot be taken next to <paramref name="nodeTools"/>, or null.</summary>
    public static string? Problem(ConversationToolSettings tools, IReadOnlyList<FunctionTool> nodeTools, ConversationOptions options)
    {
        var clients = tools.ClientTools ?? [];
        var hosted = tools.HostedTools ?? [];
        if (clients.Count + hosted.Count > options.MaxConversationTools)
            return $"The conversation declares {clients.Count + hosted.Count} client and hosted tools; the limit is {options.MaxConversationTools} (orchestrator.conversation.max-conversation-tools).";
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in clients)
        {
            if (tool.Name is null || !ToolName().IsMatch(tool.Name))
                return $"client_tools: the name '{tool.Name}' is not valid: use 1-64 letters, digits, '_' or '-'.";
            if (nodeTools.Any(t => t.Name == tool.Name))
                return $"client_tools: '{tool.Name}' is the name of a tool this node runs; choose another name.";
            if (!names.Add(tool.Name)) return $"client_tools: '{tool.Name}' is declared twice.";
            if (tool.Parameters.ValueKind != JsonValueKind.Object)
                return $"client_tools: '{tool.Name}' needs \"parameters\", a JSON schema object.";
        }
        for (var i = 0; i < hosted.Count; i++)
        {
            if (hosted[i].ValueKind != JsonValueKind.Object || !hosted[i].TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                return $"hosted_tools[{i}] needs a \"type\" (web_search, file_search, code_interpreter, mcp, …).";
            if (type.ValueEquals("function"u8))
                return $"hosted_tools[{i}] is a function tool; declare it in client_tools.";
        }
        if (tools.ToolChoice is { } choice && ChoiceProblem(choice) is { } problem) return problem;
        if (tools.ClientToolTimeout is { } timeout && timeout <= TimeSpan.Zero) return "client_tool_timeout_ms must be positive.";
        var bytes = clients.Sum(t => (long)t.Name.Length + (t.Description?.Length ?? 0) + t.Parameters.GetRawText().Length)
                    + hosted.Sum(h => (long)h.GetRawText().Length) + (tools.ToolChoice?.GetRawText().Length ?? 0);
        return bytes > options.MaxConversationToolBytes
            ? $"The conversation's tool declarations hold about {bytes} bytes; the limit is {options.MaxConversationToolBytes} (orchestrator.conversation.max-conversation-tool-bytes)."
            : null;
    }

    private static string? ChoiceProblem(JsonElement choice) => choice.ValueKind switch
    {
        JsonValueKind.String when ChoiceWords.Contains(choice.GetString()) => null,
        JsonValueKind.Object when choice.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String => null,
        _ => "tool_choice is \"auto\", \"required\", \"none\" or an object such as {\"type\":\"function\",\"name\":\"…\"}.",
    };

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex ToolName();
}
