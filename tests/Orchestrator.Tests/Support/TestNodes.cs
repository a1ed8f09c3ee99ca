using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Cli;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Tests.Support;

/// <summary>Starts real nodes (cluster, journal, sockets) against a given endpoint, as the CLI does.</summary>
public static class TestNodes
{
    public static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(60);

    /// <param name="configure">Changes to the settings loaded from hocon/ (snapshot interval, store, retry backoff, …).</param>
    public static Task<OrchestratorNode> StartAsync(
        TestJournal journal,
        Uri endpoint,
        string? apiKey = null,
        Func<OrchestratorSettings, OrchestratorSettings>? configure = null,
        TimeSpan? askTimeout = null)
    {
        var settings = OrchestratorSettings.Load(journal.Environment(name => name == "OPENAI_API_KEY" ? apiKey : null), journal.DataDirectory, endpoint.ToString());
        return OrchestratorNode.StartAsync(configure?.Invoke(settings) ?? settings, DemoTools.Register(new ToolRegistry()), askTimeout: askTimeout);
    }

    /// <summary>Runs one turn and returns every update it streamed, the last being its TurnCompleted or TurnFailed.</summary>
    public static async Task<IReadOnlyList<ConversationUpdate>> RunTurnAsync(this OrchestratorNode node, string conversationId, string text, TimeSpan? timeLimit = null)
    {
        using var timeout = new CancellationTokenSource(timeLimit ?? TurnTimeout);
        var updates = new List<ConversationUpdate>();
        await foreach (var update in node.Client.SendAsync(conversationId, text, cancellationToken: timeout.Token)) updates.Add(update);
        return updates;
    }

    public static TurnCompleted Completed(this IReadOnlyList<ConversationUpdate> updates) =>
        updates.LastOrDefault() as TurnCompleted
        ?? throw new Xunit.Sdk.XunitException($"The turn did not complete: {updates.LastOrDefault()}");
}
