using System.Text.RegularExpressions;
using ModelContextProtocol.Client;

namespace Orchestrator.Tools.Mcp;

/// <summary>An MCP server the node takes tools from. Its <see cref="Name"/> prefixes its tools' names for the model.</summary>
public abstract partial record McpServer
{
    /// <param name="name">1 to 24 characters from a-z, A-Z, 0-9, '_' and '-': short enough to leave room for the tool's own name within the 64 the Responses API allows.</param>
    /// <exception cref="ArgumentException">The name is invalid.</exception>
    protected McpServer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!ValidName().IsMatch(name))
            throw new ArgumentException($"MCP server name '{name}' is invalid: use 1 to 24 characters from a-z, A-Z, 0-9, '_' and '-'.", nameof(name));
        Name = name;
    }

    public string Name { get; }

    /// <summary>A new transport for one connection; <paramref name="environment"/> supplies what the server's settings name by variable.</summary>
    /// <exception cref="InvalidOperationException">A variable the settings name is not set.</exception>
    internal abstract IClientTransport CreateTransport(Func<string, string?> environment, Action<string> standardError);

    [GeneratedRegex(@"^[a-zA-Z0-9_-]{1,24}\z")]
    private static partial Regex ValidName();
}
