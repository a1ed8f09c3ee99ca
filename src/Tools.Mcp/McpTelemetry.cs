using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Tools.Mcp;

/// <summary>
/// Traces and metrics of MCP servers, under the engine's "Orchestrator" source and meter, so that the node's existing
/// <c>AddSource</c>/<c>AddMeter</c> picks them up. Span <c>orchestrator.mcp.call</c> per tool call; calls, connection
/// attempts and the servers connected, each tagged by server (and tool: the server's own name for it). The names
/// come from the configured servers and what they list, so their number is the node's, not the model's.
/// </summary>
public static class McpTelemetry
{
    public const string SourceName = "Orchestrator";
    public const string CallDuration = "orchestrator.mcp.call.duration";
    public const string ConnectionAttempts = "orchestrator.mcp.connection.attempts";
    public const string ServersConnected = "orchestrator.mcp.servers.connected";
    public const string ServerTag = "orchestrator.mcp.server";
    public const string ToolNameTag = "gen_ai.tool.name";
    public const string ToolCallIdTag = "gen_ai.tool.call.id";
    public const string OutcomeTag = "orchestrator.outcome";

    internal static readonly ActivitySource Source = new(SourceName);

    private static readonly Meter Meter = new(SourceName);
    private static readonly Histogram<double> Calls = Meter.CreateHistogram(CallDuration, "s", "Duration of MCP tool calls, by server, tool and outcome (ok, error, unavailable, cancelled).", null, HistogramBuckets.Seconds);
    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>(ConnectionAttempts, "{attempt}", "Connection attempts to MCP servers, by server and outcome (connected, failed).");
    private static readonly UpDownCounter<long> Connected = Meter.CreateUpDownCounter<long>(ServersConnected, "{server}", "MCP servers connected, by server (0 or 1 each).");

    internal static Activity? StartCall(string server, string tool, string callId)
    {
        var span = Source.StartActivity("orchestrator.mcp.call", ActivityKind.Client);
        span?.SetTag(ServerTag, server);
        span?.SetTag(ToolNameTag, tool);
        span?.SetTag(ToolCallIdTag, callId);
        return span;
    }

    internal static void CallEnded(Activity? span, string server, string tool, TimeSpan duration, string outcome)
    {
        span?.SetTag(OutcomeTag, outcome);
        span?.SetStatus(outcome == "ok" ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        span?.Dispose();
        Calls.Record(duration.TotalSeconds, new(ServerTag, server), new(ToolNameTag, tool), new(OutcomeTag, outcome));
    }

    internal static void AttemptEnded(string server, bool connected)
    {
        Attempts.Add(1, new KeyValuePair<string, object?>(ServerTag, server), new KeyValuePair<string, object?>(OutcomeTag, connected ? "connected" : "failed"));
        if (connected) Connected.Add(1, new KeyValuePair<string, object?>(ServerTag, server));
    }

    internal static void Disconnected(string server) => Connected.Add(-1, new KeyValuePair<string, object?>(ServerTag, server));
}
