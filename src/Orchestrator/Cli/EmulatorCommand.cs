using System.CommandLine;
using System.Globalization;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Cli;

/// <summary><c>emulator</c>: the Responses emulator (WebSocket and HTTP) alone, until Ctrl+C, with optional fault injection.</summary>
public static class EmulatorCommand
{
    private const string RequestNumbers = "Requests are numbered 1, 2, … in the order the server receives their response.create events, all connections together.";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var host = new Option<string>("--host") { Description = "Loopback address to listen on: 127.0.0.1, ::1 or localhost (anything else is refused).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port; 0 picks a free one (the line printed at start shows it).", DefaultValueFactory = _ => 8787 };
        var modelLatency = new Option<int>("--model-latency-ms") { Description = "Delay before each response's first output item (the model 'thinking'), in milliseconds; with --model-latency-jitter-ms, the mean." };
        var modelLatencyJitter = new Option<int>("--model-latency-jitter-ms") { Description = "Spread of the model latency, in milliseconds: each response's latency is uniform in mean ± jitter, drawn from --latency-seed and the request's number (reproducible). At most --model-latency-ms; 0 (the default) gives the mean every time." };
        var latencySeed = new Option<int>("--latency-seed") { Description = "Seed of the model latency draws: the same seed and the same traffic give the same latencies." };
        var tokenLatency = new Option<int>("--token-latency-ms") { Description = "Delay before each streamed output delta (a text delta of up to three words, or 24 characters of arguments), in milliseconds. Not together with --tokens-per-second." };
        var tokensPerSecond = new Option<double>("--tokens-per-second") { Description = "Stream output deltas at this rate instead of --token-latency-ms: a token is one delta event (a text delta of up to three words, or 24 characters of arguments), and a response's k-th delta leaves no earlier than k/rate seconds after its output began. 0 (the default) is off." };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer <key>' on the upgrade (401 otherwise)." };
        var trafficLog = new Option<string?>("--traffic-log") { Description = "Append one JSON line per client event (a WebSocket message or an HTTP request) to this file: time, connection_id, type, stream_id, bytes, previous_response_id, input_items, store, transport (websocket or http)." };
        var maxConnectionAge = new Option<int>("--max-connection-age-s") { Description = "Seconds a connection may live; then it gets an error event 'websocket_connection_limit_reached' and is closed (the real server: 3600).", DefaultValueFactory = _ => 3600 };
        var maxMessageBytes = new Option<int>("--max-message-bytes") { Description = "Largest client message accepted; a larger one gets 'message_too_large' and the connection is closed (1009).", DefaultValueFactory = _ => EmulatorOptions.DefaultMaxMessageBytes };
        var storedResponses = new Option<int>("--stored-responses") { Description = "How many store=true responses are kept for continuation from any connection (least recently used are evicted).", DefaultValueFactory = _ => 100_000 };
        var maxQueued = new Option<int>("--max-queued-responses") { Description = "How many response.create events may wait on one connection beyond the 16 that run at once (behind their lane, or for a running place; a freed place goes to the longest waiting, FIFO); one more is refused with 'websocket_queue_limit_reached' (400, echoing stream_id). The emulator's own bound; the real server documents none.", DefaultValueFactory = _ => EmulatorOptions.DefaultMaxQueuedResponses };
        var emitReasoning = new Option<bool>("--emit-reasoning") { Description = "Start every response with a 'reasoning' item; its encrypted_content is sent only when include asks for 'reasoning.encrypted_content', and a resent item whose content was altered is refused ('invalid_encrypted_content')." };
        var seed = new Option<int>("--fault-seed") { Description = "Seed of the fault probabilities: the same seed and the same traffic give the same faults." };
        var dropProbability = new Option<double>("--drop-probability") { Description = "Chance (0-1) that a request's connection is dropped mid-stream (after its first output item is announced), with no close frame." };
        var connectionDropProbability = new Option<double>("--connection-drop-probability") { Description = $"Chance (0-1) that a connection is dropped mid-stream once, with no close frame, at one of its first {EmulatorFaults.ConnectionDropWithin} requests (drawn); unlike --drop-probability, the share of dropped connections does not grow with their traffic." };
        var dropOn = new Option<string?>("--drop-on") { Description = "Comma-separated request numbers whose connection is dropped mid-stream, e.g. '3,7'. " + RequestNumbers };
        var errorOn = new Option<string?>("--error-on") { Description = "Comma-separated NUMBER=ERROR pairs answering those requests with an error instead of a response, e.g. '2=rate_limit_exceeded,5=server_error'. ERROR is previous_response_not_found (400), rate_limit_exceeded (429, with retry-after in error.headers), server_error (500 error event) or response_failed (the response starts, then ends in response.failed). As on the real server, an error answering a continuation evicts the previous_response_id it named from the connection's cache (unless stored), so a retry of the same continuation gets previous_response_not_found. " + RequestNumbers };
        var retryAfter = new Option<int>("--retry-after-ms") { Description = "The retry-after given with rate_limit_exceeded and with refused upgrades, in milliseconds (the header carries whole seconds, rounded up; retry-after-ms carries the exact value).", DefaultValueFactory = _ => 1000 };
        var malformedOn = new Option<string?>("--malformed-frame-on") { Description = "Comma-separated request numbers whose stream carries one text frame that is not valid JSON, right after response.in_progress; the response then completes normally. " + RequestNumbers };
        var refuseUpgradeOn = new Option<string?>("--refuse-upgrade-on") { Description = "Comma-separated connection attempts (1, 2, … in arrival order) refused with HTTP 429, a Retry-After header and a rate_limit_exceeded body instead of the WebSocket upgrade." };
        var refuseUpgradeProbability = new Option<double>("--refuse-upgrade-probability") { Description = "Chance (0-1) that a connection attempt is refused with HTTP 429." };
        var hangOn = new Option<string?>("--hang-on") { Description = "Comma-separated request numbers whose response hangs: response.created and response.in_progress, then nothing more while the socket stays open (no terminal event, no error, no close); the response holds its lane and in-flight place until the connection ends. An error event from --error-on on the same request wins. " + RequestNumbers };
        var hangProbability = new Option<double>("--hang-probability") { Description = "Chance (0-1) that a request's response hangs, as with --hang-on." };
        var refuseWebSocket = new Option<bool>("--refuse-websocket") { Description = "Answer every WebSocket upgrade with HTTP 426 (as a gateway or an account without WebSocket mode does): clients must use the HTTP transport, POST /v1/responses." };
        var refuseWebSocketStatus = new Option<int>("--refuse-websocket-status") { Description = "The HTTP status --refuse-websocket answers the upgrade with: 426 (the default), 404 or 405.", DefaultValueFactory = _ => 426 };
        var modelsWithoutSteering = new Option<string?>("--models-without-steering") { Description = "Comma-separated model names whose responses refuse response.steer with 'steering_not_supported' (as models without steering do)." };
        var dropHttpStreamOn = new Option<string?>("--drop-http-stream-on") { Description = "Comma-separated NUMBER=EVENTS pairs: the HTTP event stream (POST /v1/responses) of those requests is cut after that many events, with no terminal event, e.g. '2=5'; with stream:false the connection is cut before the answer. WebSocket requests are not affected. " + RequestNumbers };

        var command = new Command("emulator", "Run the local Responses emulator (scripted model; WebSocket mode and POST /v1/responses over HTTP) until Ctrl+C. Faults are off unless a fault option is given.")
        {
            host, port, modelLatency, modelLatencyJitter, latencySeed, tokenLatency, tokensPerSecond, apiKey, trafficLog, maxConnectionAge, maxMessageBytes, storedResponses, maxQueued, emitReasoning,
            seed, dropProbability, connectionDropProbability, dropOn, errorOn, retryAfter, malformedOn, refuseUpgradeOn, refuseUpgradeProbability,
            hangOn, hangProbability, refuseWebSocket, refuseWebSocketStatus, dropHttpStreamOn, modelsWithoutSteering,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.Guard(stderr, async () =>
        {
            var faults = new EmulatorFaults
            {
                Seed = parse.GetValue(seed),
                DropProbability = Probability(parse.GetValue(dropProbability), "--drop-probability"),
                ConnectionDropProbability = Probability(parse.GetValue(connectionDropProbability), "--connection-drop-probability"),
                DropOnRequests = Numbers(parse.GetValue(dropOn), "--drop-on"),
                ErrorOnRequests = Errors(parse.GetValue(errorOn)),
                RetryAfter = TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(retryAfter), "--retry-after-ms")),
                MalformedFrameOnRequests = Numbers(parse.GetValue(malformedOn), "--malformed-frame-on"),
                RefuseUpgrades = Numbers(parse.GetValue(refuseUpgradeOn), "--refuse-upgrade-on"),
                RefuseUpgradeProbability = Probability(parse.GetValue(refuseUpgradeProbability), "--refuse-upgrade-probability"),
                HangOnRequests = Numbers(parse.GetValue(hangOn), "--hang-on"),
                HangProbability = Probability(parse.GetValue(hangProbability), "--hang-probability"),
                DropHttpStreamAfter = EventCounts(parse.GetValue(dropHttpStreamOn)),
            };
            var options = new EmulatorOptions
            {
                Host = parse.GetValue(host)!,
                Port = NonNegative(parse.GetValue(port), "--port"),
                ModelLatency = TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(modelLatency), "--model-latency-ms")),
                ModelLatencyJitter = TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(modelLatencyJitter), "--model-latency-jitter-ms")),
                LatencySeed = parse.GetValue(latencySeed),
                TokenLatency = TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(tokenLatency), "--token-latency-ms")),
                TokensPerSecond = Rate(parse.GetValue(tokensPerSecond), "--tokens-per-second"),
                RequiredApiKey = parse.GetValue(apiKey),
                TrafficLogPath = parse.GetValue(trafficLog),
                MaxConnectionAge = TimeSpan.FromSeconds(Positive(parse.GetValue(maxConnectionAge), "--max-connection-age-s")),
                MaxMessageBytes = Positive(parse.GetValue(maxMessageBytes), "--max-message-bytes"),
                StoredResponseCapacity = Positive(parse.GetValue(storedResponses), "--stored-responses"),
                MaxQueuedResponses = NonNegative(parse.GetValue(maxQueued), "--max-queued-responses"),
                EmitReasoning = parse.GetValue(emitReasoning),
                RefuseWebSockets = parse.GetValue(refuseWebSocket),
                WebSocketRefusalStatus = RefusalStatus(parse.GetValue(refuseWebSocketStatus)),
                ModelsWithoutSteering = new HashSet<string>(Split(parse.GetValue(modelsWithoutSteering)), StringComparer.Ordinal),
                Faults = faults,
            };
            if (options.ModelLatencyJitter > options.ModelLatency)
            {
                throw new ConfigurationException($"--model-latency-jitter-ms ({options.ModelLatencyJitter.TotalMilliseconds}) must not exceed --model-latency-ms ({options.ModelLatency.TotalMilliseconds}).");
            }

            if (options.TokensPerSecond > 0 && options.TokenLatency > TimeSpan.Zero)
            {
                throw new ConfigurationException("--tokens-per-second and --token-latency-ms both pace the output deltas: give one of them.");
            }

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
                string faultNote = faults.Any ? " · faults on" : string.Empty;
                string webSocketNote = options.RefuseWebSockets ? $"refused ({options.WebSocketRefusalStatus}), use HTTP POST" : server.ResponsesUrl.ToString();
                stdout.WriteLine($"emulator listening: base URL {server.BaseUrl} · WebSocket {webSocketNote}{faultNote} · Ctrl+C to stop");
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

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new ConfigurationException($"{option} must be positive, not {value}.");

    private static double Rate(double value, string option) =>
        double.IsFinite(value) && value >= 0 ? value : throw new ConfigurationException($"{option} must be a finite number, zero (off) or more, not {value.ToString(CultureInfo.InvariantCulture)}.");

    private static int RefusalStatus(int value) =>
        value is 426 or 404 or 405 ? value : throw new ConfigurationException($"--refuse-websocket-status must be 426, 404 or 405, not {value}.");

    private static double Probability(double value, string option) =>
        value is >= 0 and <= 1 ? value : throw new ConfigurationException($"{option} must be between 0 and 1, not {value.ToString(CultureInfo.InvariantCulture)}.");

    private static HashSet<long> Numbers(string? list, string option)
    {
        var numbers = new HashSet<long>();
        foreach (string entry in Split(list))
        {
            numbers.Add(RequestNumber(entry, option));
        }

        return numbers;
    }

    private static Dictionary<long, InjectedError> Errors(string? list)
    {
        var errors = new Dictionary<long, InjectedError>();
        foreach (string entry in Split(list))
        {
            string[] parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                throw new ConfigurationException($"--error-on takes NUMBER=ERROR pairs, not '{entry}'.");
            }

            errors[RequestNumber(parts[0], "--error-on")] = parts[1] switch
            {
                "previous_response_not_found" => InjectedError.PreviousResponseNotFound,
                "rate_limit_exceeded" => InjectedError.RateLimitExceeded,
                "server_error" => InjectedError.ServerError,
                "response_failed" => InjectedError.ResponseFailed,
                _ => throw new ConfigurationException($"--error-on: unknown error '{parts[1]}' (previous_response_not_found, rate_limit_exceeded, server_error or response_failed)."),
            };
        }

        return errors;
    }

    private static Dictionary<long, int> EventCounts(string? list)
    {
        var counts = new Dictionary<long, int>();
        foreach (string entry in Split(list))
        {
            string[] parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                throw new ConfigurationException($"--drop-http-stream-on takes NUMBER=EVENTS pairs, not '{entry}'.");
            }

            counts[RequestNumber(parts[0], "--drop-http-stream-on")] = (int)Math.Min(int.MaxValue, RequestNumber(parts[1], "--drop-http-stream-on"));
        }

        return counts;
    }

    private static IEnumerable<string> Split(string? list) =>
        list is null ? [] : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static long RequestNumber(string text, string option) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long number) && number > 0
            ? number
            : throw new ConfigurationException($"{option}: '{text}' is not a positive number.");
}
