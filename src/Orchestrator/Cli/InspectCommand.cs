using System.CommandLine;
using Orchestrator.Hosting.Client;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Cli;

/// <summary><c>inspect</c>: a conversation's history as its journal records it.</summary>
public static class InspectCommand
{
    public static Command Create(Func<string, string?> environment, TextWriter stdout, TextWriter stderr)
    {
        var conversation = new Argument<string>("conversation") { Description = "The conversation id (as given to run --conversation or the HTTP API)." };
        var data = new Option<string?>("--data") { Description = "Data directory of the SQLite journal (default: ORCHESTRATOR_DATA or ./data). ORCHESTRATOR_JOURNAL=postgres reads ORCHESTRATOR_POSTGRES instead." };

        var command = new Command("inspect", "Print a conversation's history from the journal: turns, response ids, tool calls with durations, abandoned turns, compactions. Safe while a node runs.")
        {
            conversation, data,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.Guard(stderr, async () =>
        {
            var id = ConversationIds.Validate(parse.GetValue(conversation)!);
            var settings = OrchestratorSettings.Load(environment, parse.GetValue(data));
            var entries = await JournalReader.ReadAsync(settings, id, cancellationToken);
            if (entries.Count == 0)
                throw new CommandFailedException($"no conversation '{id}' in the journal {Where(settings)}; check the id, and --data or ORCHESTRATOR_JOURNAL");
            foreach (var line in ConversationHistory.Describe(id, entries)) stdout.WriteLine(line);
            return 0;
        }));
        return command;
    }

    private static string Where(OrchestratorSettings settings) =>
        settings.Journal == JournalKind.Sqlite ? $"at {Path.Combine(settings.DataDirectory, SqliteJournalStore.FileName)}" : $"({settings.Journal.Name()})";
}
