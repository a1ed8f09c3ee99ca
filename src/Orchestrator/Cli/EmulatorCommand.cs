using System.CommandLine;
using Orchestrator.Emulator;
using Orchestrator.Host.Configuration;

namespace Orchestrator.Host.Cli;

/// <summary><c>emulator</c>: the Responses WebSocket emulator alone, until Ctrl+C.</summary>
public static class EmulatorCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var host = new Option<string>("--host") { Description = "Loopback address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port; 0 picks a free one.", DefaultValueFactory = _ => 8787 };
        var modelLatency = new Option<int>("--model-latency-ms") { Description = "Delay before each response starts streaming, in milliseconds." };
        var tokenLatency = new Option<int>("--token-latency-ms") { Description = "Delay per streamed output delta, in milliseconds." };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer <key>' on the upgrade (401 otherwise)." };
        var trafficLog = new Option<string?>("--traffic-log") { Description = "Append one JSON line per client event to this file." };

        var command = new Command("emulator", "Run the local Responses WebSocket emulator (scripted model) until Ctrl+C.")
        {
            host, port, modelLatency, tokenLatency, apiKey, trafficLog,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.Guard(stderr, async () =>
        {
            var options = new EmulatorOptions
            {
                Host = parse.GetValue(host)!,
                Port = NonNegative(parse.GetValue(port), "--port"),
                ModelLatency = TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(modelLatency), "--model-latency-ms")),
                TokenLatency = TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(tokenLatency), "--token-latency-ms")),
                RequiredApiKey = parse.GetValue(apiKey),
                TrafficLogPath = parse.GetValue(trafficLog),
            };
            EmulatorServer server;
            try
            {
                server = await EmulatorServer.StartAsync(options, cancellationToken);
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(e.Message, e);
            }
            await using (server)
            {
                stdout.WriteLine($"emulator listening: base URL {server.BaseUrl} · WebSocket {server.ResponsesUrl} · Ctrl+C to stop");
                stdout.Flush();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C: a normal stop.
                }
            }
            return 0;
        }));
        return command;
    }

    private static int NonNegative(int value, string option) =>
        value >= 0 ? value : throw new ConfigurationException($"{option} must not be negative, not {value}.");
}
