using System.Text.Json;
using Orchestrator.Messages.Events;

namespace Orchestrator.Http;

/// <summary>
/// The tool fields of <see cref="CreateConversationRequest"/> as the conversation's <see cref="ConversationToolSettings"/>.
/// Only the shape is checked here; names, clashes with the node's tools and bounds are the conversation's to check
/// (it knows the node's tools), and it refuses what does not fit before anything is persisted.
/// </summary>
public static class ConversationToolsRequest
{
    /// <summary>The settings (null when the request sets no tool field), or why the request cannot be read.</summary>
    public static (ConversationToolSettings? Tools, string? Problem) Read(CreateConversationRequest? request)
    {
        if (request is null || (request.ClientTools is null && request.HostedTools is null && request.ToolChoice is null
                                && request.ParallelToolCalls is null && request.ClientToolTimeoutMs is null))
            return (null, null);
        var clients = new List<ClientTool>();
        for (var i = 0; i < (request.ClientTools?.Count ?? 0); i++)
        {
            var tool = request.ClientTools![i];
            if (tool is null || string.IsNullOrEmpty(tool.Name)) return (null, $"client_tools[{i}] needs a \"name\".");
            if (tool.Parameters is not { ValueKind: JsonValueKind.Object } parameters)
                return (null, $"client_tools[{i}] ('{tool.Name}') needs \"parameters\", a JSON schema object.");
            clients.Add(new ClientTool(tool.Name, tool.Description, parameters.Clone()));
        }
        if (request.ClientToolTimeoutMs is <= 0) return (null, "client_tool_timeout_ms must be positive.");
        return (new ConversationToolSettings(
            clients.Count > 0 ? clients : null,
            request.HostedTools is { Count: > 0 } hosted ? hosted.Select(h => h.Clone()).ToList() : null,
            request.ToolChoice?.Clone(),
            request.ParallelToolCalls,
            request.ClientToolTimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null), null);
    }
}
