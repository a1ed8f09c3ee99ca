using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Orchestrator.Actors.Tools;

namespace Orchestrator.Tools.Mcp;

/// <summary>
/// What the registered tools of one server call through: the server's current connection, swapped by its
/// <see cref="McpServerActor"/> (set when connected, cleared when lost). A call with no connection, or whose connection
/// is lost under it, throws <see cref="ToolUnavailableException"/>: the model gets an <c>unavailable</c> error output.
/// </summary>
internal sealed class McpServerLink(string server)
{
    private volatile McpSession? _session;

    public string Server => server;

    public McpSession? Session
    {
        get => _session;
        set => _session = value;
    }

    /// <summary>The source name of the server's tools in the node's <see cref="ToolRegistry"/>.</summary>
    public string Source => "mcp:" + server;

    public ExternalTool ToolFor(Tool tool) => new(
        new ToolDefinition(McpToolNames.For(server, tool.Name), tool.Description ?? tool.Title ?? "", tool.InputSchema),
        (arguments, context, cancellationToken) => CallAsync(tool.Name, arguments, context, cancellationToken));

    private async Task<string> CallAsync(string tool, JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        var session = _session ?? throw new ToolUnavailableException($"MCP server '{server}' is not connected; the node is reconnecting to it.");
        var started = Stopwatch.GetTimestamp();
        var span = McpTelemetry.StartCall(server, tool, context.CallId);
        var outcome = "error";
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Lost);
            var request = new CallToolRequestParams
            {
                Name = tool,
                Arguments = arguments.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.Clone(), StringComparer.Ordinal),
            };
            var output = McpToolOutput.Of(await session.Client.CallToolAsync(request, linked.Token).ConfigureAwait(false));
            outcome = "ok";
            return output;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
            throw;
        }
        catch (Exception e) when (e is not McpToolErrorException && Lost(session, e))
        {
            outcome = "unavailable";
            throw new ToolUnavailableException($"the connection to MCP server '{server}' was lost during the call; the node is reconnecting to it.", e);
        }
        finally
        {
            McpTelemetry.CallEnded(span, server, tool, Stopwatch.GetElapsedTime(started), outcome);
        }
    }

    private static bool Lost(McpSession session, Exception e) =>
        session.Lost.IsCancellationRequested || session.Client.Completion.IsCompleted
        || e is ClientTransportClosedException or IOException or HttpRequestException or ObjectDisposedException;
}
