using ModelContextProtocol.Client;

namespace Orchestrator.Tools.Mcp;

/// <summary>An MCP server the node starts as a child process and talks to over its standard input and output.</summary>
/// <param name="Command">The program, e.g. <c>npx</c>, <c>uvx</c> or <c>dotnet</c>; looked up on the PATH.</param>
/// <param name="Arguments">Its arguments, each passed as is (no shell).</param>
/// <param name="Environment">Variables set for the process on top of the node's own.</param>
public sealed record McpStdioServer(
    string Name,
    string Command,
    IReadOnlyList<string>? Arguments = null,
    IReadOnlyDictionary<string, string>? Environment = null) : McpServer(Name)
{
    internal override IClientTransport CreateTransport(Func<string, string?> environment, Action<string> standardError) =>
        new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = Name,
            Command = Command,
            Arguments = [.. Arguments ?? []],
            EnvironmentVariables = Environment?.ToDictionary(pair => pair.Key, pair => (string?)pair.Value, StringComparer.Ordinal),
            StandardErrorLines = standardError,
        });
}
