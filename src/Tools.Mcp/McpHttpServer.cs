using ModelContextProtocol.Client;

namespace Orchestrator.Tools.Mcp;

/// <summary>An MCP server the node reaches over streamable HTTP.</summary>
/// <param name="Url">The server's MCP endpoint, e.g. <c>https://mcp.example.com/mcp</c>.</param>
/// <param name="HeadersFromEnvironment">Headers sent with every request, each mapped to the environment variable that
/// holds its value (<c>Authorization → MCP_TOKEN</c>), so that no secret sits in a configuration file. Read at each
/// connection; a variable that is not set fails that connection.</param>
public sealed record McpHttpServer(
    string Name,
    Uri Url,
    IReadOnlyDictionary<string, string>? HeadersFromEnvironment = null) : McpServer(Name)
{
    internal override IClientTransport CreateTransport(Func<string, string?> environment, Action<string> standardError)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (header, variable) in HeadersFromEnvironment ?? new Dictionary<string, string>())
        {
            headers[header] = environment(variable)
                ?? throw new InvalidOperationException($"MCP server '{Name}': the environment variable {variable} (header {header}) is not set.");
        }

        return new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = Name,
            Endpoint = Url,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
    }
}
