using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Client;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Conversations;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Orchestrator.Cli;

/// <summary><c>run</c>: one user turn to completion in a new or resumed conversation.</summary>
public static class RunCommand
{
    public static Command Create(Func<string, string?> environment, TextWriter stdout, TextWriter stderr, IConfiguration? configuration = null)
    {
        var message = new Argument<string>("message") { Description = "The user message, e.g. \"compare cities tools:3 rounds:4\"." };
        var conversation = new Option<string?>("--conversation") { Description = "Conversation id to continue (resumed from the journal, finishing any open work first). A new id is made when omitted." };
        var endpoint = new Option<string?>("--endpoint") { Description = "Responses endpoint: a base URL (http://127.0.0.1:8787/v1) or the WebSocket URL (ws://127.0.0.1:8787/v1/responses). Default: OPENAI_BASE_URL or the OpenAI API when OPENAI_API_KEY is set, else the embedded emulator." };
        var data = new Option<string?>("--data") { Description = "Data directory for the journal (default: ORCHESTRATOR_DATA or ./data)." };
        var configFile = new Option<string?>("--config") { Description = "A HOCON file of settings over the reference ones (default: ORCHESTRATOR_CONFIG), e.g. orchestrator.connections.max-sockets = 64. appsettings.json and ORCHESTRATOR__Connections__MaxSockets-style variables win over it." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line; the last is {\"type\":\"turn.completed\",…}." };
        var timeout = new Option<int>("--timeout") { Description = "Give up after this many seconds.", DefaultValueFactory = _ => 600 };
        var verbose = new Option<bool>("--verbose") { Description = "Log engine activity (retries, resumed work, warnings) to stderr." };

        var command = new Command("run", "Run one user turn to completion, streaming text and tool calls.")
        {
            message, conversation, endpoint, data, configFile, json, timeout, verbose,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.Guard(stderr, () => RunAsync(
            parse.GetValue(message)!,
            parse.GetValue(conversation),
            parse.GetValue(endpoint),
            parse.GetValue(data),
            parse.GetValue(configFile),
            configuration,
            parse.GetValue(json),
            parse.GetValue(timeout),
            parse.GetValue(verbose),
            environment,
            stdout,
            cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(
        string message,
        string? conversationOption,
        string? endpointOption,
        string? dataOption,
        string? configFile,
        IConfiguration? configuration,
        bool json,
        int timeoutSeconds,
        bool verbose,
        Func<string, string?> environment,
        TextWriter stdout,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(message)) throw new ConfigurationException("The message is empty.");
        if (timeoutSeconds <= 0) throw new ConfigurationException($"--timeout must be positive, not {timeoutSeconds}.");
        var conversationId = conversationOption is null ? ConversationIds.New() : ConversationIds.Validate(conversationOption);
        var settings = OrchestratorSettings.Load(environment, dataOption, endpointOption, configFile, configuration);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        ITurnOutput output = json ? new JsonTurnOutput(stdout)
            : LiveTurnOutput.CanShow(stdout) ? new LiveTurnOutput(Spectre.Console.AnsiConsole.Console)
            : new TextTurnOutput(stdout);

        var tools = DemoTools.Register(new ToolRegistry());
        // One process, one turn: no cluster to join and leave (DESIGN §2, the local region).
        await using var node = await OrchestratorNode.StartAsync(settings, tools, verbose ? LogLevel.Information : LogLevel.Critical, deadline.Token, region: RegionKind.Local);
        // Declared after the node, so disposed before it: the live display finishes drawing before the node stops.
        await using var display = output as IAsyncDisposable;
        output.Started(conversationId, node.ResponsesUrl, node.UsesEmbeddedEmulator);

        node.OpenSocketAhead(conversationId);
        ConversationUpdate? last = null;
        try
        {
            await foreach (var update in node.Client.SendAsync(conversationId, message, cancellationToken: deadline.Token))
            {
                output.Show(update);
                last = update;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"the turn did not finish within {timeoutSeconds} s (--timeout); it stays open in conversation {conversationId} and resumes on the next run");
        }

        return last switch
        {
            TurnCompleted => 0,
            TurnFailed failed => throw new CommandFailedException($"turn failed: {failed.Reason}"),
            _ => throw new CommandFailedException("the conversation ended without an answer"),
        };
    }
}
