using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Orchestrator.Tools.Mcp;

/// <summary>
/// A <c>tools/call</c> result as the output the model gets: the structured content when the tool gives one (it is
/// JSON already), else its text blocks joined by line breaks, with any other block (image, resource, …) as its
/// MCP JSON. A result marked <c>isError</c> becomes an <see cref="McpToolErrorException"/> carrying that text.
/// </summary>
internal static class McpToolOutput
{
    public static string Of(CallToolResult result)
    {
        var text = result.StructuredContent is { } structured && result.IsError != true
            ? structured.GetRawText()
            : string.Join("\n", result.Content.Select(block => block is TextContentBlock textBlock
                ? textBlock.Text
                : JsonSerializer.Serialize(block, McpJsonUtilities.DefaultOptions)));
        return result.IsError == true ? throw new McpToolErrorException(text.Length == 0 ? "the tool reported an error" : text) : text;
    }
}
