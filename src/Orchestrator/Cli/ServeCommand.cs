using System.CommandLine;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Http;

namespace Orchestrator.Cli;

/// <summary><c>serve</c>: a long-running node with the HTTP API, until Ctrl+C or SIGTERM.</summary>
public static class ServeCommand
{
    public static Command Create(Func<string, string?> environment, TextWriter stdout, TextWriter stderr)
    {
        var urls = new Option<string>("--urls") { Description = "URL to listen on; the default is loopback, and any other address needs a TLS-terminating proxy in front and ORCHESTRATOR_API_TOKEN (port 0 picks a free one; the first line printed shows it).", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var endpoint = new Option<string?>("--endpoint") { Description = "Responses endpoint, as for run (default: OPENAI_BASE_URL or the OpenAI API when OPENAI_API_KEY is set, else the embedded emulator)." };
        var data = new Option<string?>("--data") { Description = "Data directory for the journal (default: ORCHESTRATOR_DATA or ./data)." };
        var toolLatency = new Option<int>("--demo-tool-latency-ms") { Description = "Simulated work per demo tool call, in milliseconds (for demos and fault tests)." };
        var clusterHost = new Option<string?>("--cluster-host") { Description = "Host name this node's cluster transport binds and is reached at (default: ORCHESTRATOR_CLUSTER_HOST or 127.0.0.1)." };
        var clusterPort = new Option<int?>("--cluster-port") { Description = "Port of this node's cluster transport; 0 picks a free one (default: ORCHESTRATOR_CLUSTER_PORT or 0). A seed node needs a fixed one." };
        var seedNodes = new Option<string?>("--seed-nodes") { Description = "Comma-separated seed nodes to join, as host:port (default: ORCHESTRATOR_SEED_NODES or none: the node forms a cluster of its own)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written to stderr.", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("serve", "Run a node with the HTTP API (/v1/conversations, SSE events, /healthz, /readyz, /openapi/v1.json) until Ctrl+C; conversations with open work resume by themselves. ORCHESTRATOR_API_TOKEN makes /v1 require that bearer token; ORCHESTRATOR_TELEMETRY=console,otlp,prometheus turns on OpenTelemetry exporters.")
        {
            urls, endpoint, data, clusterHost, clusterPort, seedNodes, toolLatency, logLevel,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.Guard(stderr, async () =>
        {
            var settings = OrchestratorSettings.Load(environment, parse.GetValue(data), parse.GetValue(endpoint));
            settings = settings with { Cluster = settings.Cluster.With(parse.GetValue(clusterHost), parse.GetValue(clusterPort), parse.GetValue(seedNodes)) };
            var level = parse.GetValue(logLevel);
            var latency = parse.GetValue(toolLatency);
            if (latency < 0) throw new ConfigurationException($"--demo-tool-latency-ms must not be negative, not {latency}.");
            var tools = DemoTools.Register(new ToolRegistry(), TimeSpan.FromMilliseconds(latency));
            await using var node = await OrchestratorNode.StartAsync(settings, tools, level, cancellationToken);

            var api = ApiOptions.FromConfig(settings.Hocon, environment);
            await using var host = await ApiHost.StartAsync(node, parse.GetValue(urls)!, api, cancellationToken);
            var address = host.Address.ToString().TrimEnd('/');
            stdout.WriteLine($"listening on {address} · endpoint {node.ResponsesUrl}{(node.UsesEmbeddedEmulator ? " (embedded emulator)" : "")}");
            stdout.Flush();
            var system = node.Services.GetRequiredService<ActorSystem>();
            var stopped = await Task.WhenAny(Task.Delay(Timeout.Infinite, cancellationToken), system.WhenTerminated);
            if (stopped == system.WhenTerminated)
            {
                // Downed by the others (the split-brain resolver) or otherwise shut down: a node without its actor
                // system cannot serve, so exit for a supervisor to start a fresh one that joins again.
                stderr.WriteLine("error: this node's actor system stopped (downed by the cluster?); exiting");
                return CommandErrors.Failed;
            }
            // Ctrl+C or SIGTERM: the API stops first (disposed first), then the node leaves the cluster gracefully.
            return 0;
        }));
        return command;
    }
}
