using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Configuration;
using Orchestrator.Actors.Tools;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Conversations;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Orchestrator.Load;

/// <summary>
/// Runs a <see cref="BenchScenario"/> on a real node (cluster, sharding, SQLite journal, sockets) and measures it.
/// Each run gets its own node, data directory and, unless an endpoint is given, its own emulator, so that runs in
/// one process do not share a journal, a socket or a connection cache.
/// </summary>
public static class EngineBenchRun
{
    /// <summary>Akka's in-memory journal: not durable, a diagnostic that shows what the SQLite journal costs the figures.</summary>
    private static readonly Config InMemoryJournal = ConfigurationFactory.ParseString("akka.persistence.journal.plugin = \"akka.persistence.journal.inmem\"");

    public static async Task<BenchResult> RunAsync(
        string name,
        BenchScenario scenario,
        OrchestratorSettings settings,
        bool continuation,
        int? maxSockets,
        bool inMemoryJournal,
        string? postgresServer,
        string dataDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        EmulatorServer? emulator = null;
        await using var database = postgresServer is null ? null : await PostgresBenchDatabase.CreateAsync(postgresServer, name, cancellationToken);
        var endpoint = settings.ResponsesUrl;
        if (endpoint is null)
        {
            emulator = await EmulatorServer.StartAsync(scenario.Emulator(), cancellationToken);
            endpoint = emulator.ResponsesUrl;
        }

        try
        {
            var runSettings = settings with
            {
                Hocon = inMemoryJournal ? InMemoryJournal.WithFallback(settings.Hocon) : settings.Hocon,
                ResponsesUrl = endpoint,
                DataDirectory = dataDirectory,
                Connections = maxSockets is { } sockets ? settings.Connections with { MaxSockets = sockets } : settings.Connections,
                // The scenario's turn is the load: the per-turn caps stretch to it rather than end it.
                Conversation = settings.Conversation with
                {
                    UseContinuation = continuation,
                    MaxRoundsPerTurn = Math.Max(settings.Conversation.MaxRoundsPerTurn, scenario.TurnsPerConversation),
                    MaxToolCallsPerTurn = Math.Max(settings.Conversation.MaxToolCallsPerTurn, scenario.Rounds * scenario.Tools),
                },
            };
            if (database is not null) runSettings = database.Apply(runSettings);
            var tools = BenchTools.Register(new ToolRegistry(), scenario.ToolLatency);
            await using var node = await OrchestratorNode.StartAsync(runSettings, tools, LogLevel.Error, cancellationToken);

            if (scenario.WarmUpConversations > 0)
            {
                var warmUp = await RunConversationsAsync(node, scenario, $"{name}-warmup", scenario.WarmUpConversations, timeout, cancellationToken);
                if (warmUp.Failed > 0) throw new InvalidOperationException($"{name}: the warm-up failed: {warmUp.FirstFailure}");
            }

            var journalBefore = database is null ? JournalCounter.Events(dataDirectory) : await database.EventsAsync();
            var settledBefore = ProcessMeter.Settled();
            ProcessMeter.ResetPeak();
            using var metrics = new EngineMetricsRecorder();
            var cpuBefore = ProcessMeter.CpuTime();
            var allocatedBefore = ProcessMeter.AllocatedBytes();
            var clock = Stopwatch.StartNew();

            var outcome = await RunConversationsAsync(node, scenario, name, scenario.Conversations, timeout, cancellationToken);

            var seconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (ProcessMeter.CpuTime() - cpuBefore).TotalSeconds;
            var allocated = ProcessMeter.AllocatedBytes() - allocatedBefore;
            var peak = ProcessMeter.PeakResidentBytes();
            var journalWrites = (database is null ? JournalCounter.Events(dataDirectory) : await database.EventsAsync()) - journalBefore;
            var memory = await IdleConversationMemory.MeasureAsync(node, outcome.ConversationIds, settledBefore, cancellationToken);

            var toolsToRequest = metrics.ToolResultsToRequest;
            var responseToTools = metrics.ResponseToTools;
            var requests = metrics.RequestsByIndex;
            return new BenchResult
            {
                Name = name,
                Conversations = scenario.Conversations,
                Completed = outcome.Completed,
                Failed = outcome.Failed,
                Turns = outcome.Turns,
                Seconds = seconds,
                TurnsPerSecondAllRunning = outcome.FirstEnded is { } firstEnded ? AllRunningRate.PerSecond(metrics.ResponsesEnded, firstEnded) : null,
                ToolResultsToRequestMs = Percentiles.Of([.. toolsToRequest]),
                ResponseToToolsMs = Percentiles.Of([.. responseToTools]),
                OverheadMs = Percentiles.Of([.. toolsToRequest, .. responseToTools]),
                BytesPerContinuation = MeanBytes(requests, continuation: true),
                BytesPerFullSend = MeanBytes(requests, continuation: false),
                RequestsByIndex = requests,
                MaxSockets = runSettings.Connections.MaxSockets,
                LanesPerConnection = runSettings.Connections.LanesPerConnection,
                LeaseWaitMs = Percentiles.Of([.. metrics.LeaseWaitMs]),
                PeakTurnsInFlight = metrics.PeakTurnsInFlight,
                CpuSeconds = cpuSeconds,
                AllocatedBytes = allocated,
                PeakRssMb = peak / (1024.0 * 1024.0),
                RssKbPerConversation = memory?.ResidentKbPerConversationAtMost,
                ManagedKbPerConversation = memory?.ManagedKbPerIdleConversation,
                LiveAfterPassivation = memory?.LiveAfterPassivation,
                JournalWrites = inMemoryJournal ? null : journalWrites,
                FirstFailure = outcome.FirstFailure,
            };
        }
        finally
        {
            if (emulator is not null) await emulator.DisposeAsync();
        }
    }

    private static double? MeanBytes(IReadOnlyList<RequestBytes> requests, bool continuation)
    {
        var count = requests.Where(r => r.Continuation == continuation).Sum(r => (long)r.Count);
        return count == 0 ? null : requests.Where(r => r.Continuation == continuation).Sum(r => r.MeanBytes * r.Count) / count;
    }

    private static async Task<Outcome> RunConversationsAsync(
        OrchestratorNode node, BenchScenario scenario, string prefix, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var failures = new ConcurrentQueue<string>();
        var turns = 0L;
        var completed = 0;
        var firstEnded = 0L;
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            var id = $"{prefix}-{i}";
            try
            {
                ConversationUpdate? last = null;
                await foreach (var update in node.Client.SendAsync(id, scenario.Message, cancellationToken: deadline.Token)) last = update;
                Interlocked.CompareExchange(ref firstEnded, Stopwatch.GetTimestamp(), 0);
                switch (last)
                {
                    case TurnCompleted done when done.Text.Contains(scenario.ExpectedDigest, StringComparison.Ordinal):
                        Interlocked.Add(ref turns, done.Stats.ModelResponses);
                        Interlocked.Increment(ref completed);
                        break;
                    case TurnCompleted done:
                        failures.Enqueue($"{id}: wrong digest in \"{done.Text}\", expected {scenario.ExpectedDigest}");
                        break;
                    case TurnFailed failed:
                        failures.Enqueue($"{id}: {failed.Reason}");
                        break;
                    default:
                        failures.Enqueue($"{id}: ended without an answer");
                        break;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Enqueue($"{id}: not finished within {timeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Enqueue($"{id}: {e.Message}");
            }
        }));
        cancellationToken.ThrowIfCancellationRequested();
        return new Outcome(
            Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToList(), completed, failures.Count, turns, failures.TryPeek(out var first) ? first : null,
            firstEnded == 0 ? null : firstEnded);
    }

    /// <param name="FirstEnded">The <see cref="Stopwatch.GetTimestamp"/> at which the first conversation's turn ended.</param>
    private sealed record Outcome(IReadOnlyList<string> ConversationIds, int Completed, int Failed, long Turns, string? FirstFailure, long? FirstEnded);
}
