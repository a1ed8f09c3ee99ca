using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Host.Api;
using Orchestrator.Host.Configuration;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Cli;

/// <summary><c>serve</c>: a long-running node with the HTTP API, until Ctrl+C or SIGTERM.</summary>
public static class ServeCommand
{
    /// <summary>Largest request body accepted by the API.</summary>
    private const long MaxRequestBytes = 1024 * 1024;

    public static Command Create(Func<string, string?> environment, TextWriter stdout, TextWriter stderr)
    {
        var urls = new Option<string>("--urls") { Description = "Loopback URL to listen on (port 0 picks a free one).", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var endpoint = new Option<string?>("--endpoint") { Description = "Responses endpoint, as for run (default: OPENAI_BASE_URL or the OpenAI API when OPENAI_API_KEY is set, else the embedded emulator)." };
        var data = new Option<string?>("--data") { Description = "Data directory for the journal (default: ORCHESTRATOR_DATA or ./data)." };
        var toolLatency = new Option<int>("--demo-tool-latency-ms") { Description = "Simulated work per demo tool call, in milliseconds (for demos and fault tests)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written to stderr (Trace, Debug, Information, Warning, Error).", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("serve", "Run a node with the HTTP API; conversations with open work resume by themselves.")
        {
            urls, endpoint, data, toolLatency, logLevel,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.Guard(stderr, async () =>
        {
            var settings = OrchestratorSettings.Load(environment, parse.GetValue(data), parse.GetValue(endpoint));
            var level = parse.GetValue(logLevel);
            var latency = parse.GetValue(toolLatency);
            if (latency < 0) throw new ConfigurationException($"--demo-tool-latency-ms must not be negative, not {latency}.");
            var tools = DemoTools.Register(new ToolRegistry(), TimeSpan.FromMilliseconds(latency));
            await using var node = await OrchestratorNode.StartAsync(settings, tools, level, cancellationToken);

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(parse.GetValue(urls)!);
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBytes);
            builder.Services.Configure<JsonOptions>(o =>
            {
                o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
                o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            });
            await using var app = builder.Build();
            app.MapConversationApi(node.Client);
            await app.StartAsync(cancellationToken);

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            stdout.WriteLine($"listening on {address} · endpoint {node.ResponsesUrl}{(node.UsesEmbeddedEmulator ? " (embedded emulator)" : "")}");
            stdout.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop the API, then leave the cluster gracefully.
            }
            await app.StopAsync(CancellationToken.None);
            return 0;
        }));
        return command;
    }
}
