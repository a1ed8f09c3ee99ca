namespace Orchestrator.Tools.Mcp;

/// <summary>An MCP tool answered with <c>isError: true</c>; the message is what it said.</summary>
public sealed class McpToolErrorException : Exception
{
    public McpToolErrorException()
    {
    }

    public McpToolErrorException(string message) : base(message)
    {
    }

    public McpToolErrorException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
