using System.Diagnostics;
using Orchestrator.Actors.Tools;
using Orchestrator.Emulator;
using Orchestrator.Host.Configuration;
using Orchestrator.Host.Hosting;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Orchestrator.Host.Bench;

/// <summary>
/// How long a restart takes to bring back C conversations that had open work (issue 6: 10,000 within 10 s). A first
/// node accepts one message per conversation against a model that does not answer, so that every conversation is
/// mid-turn, and stops; a second node starts on the same journal against a model that answers at once. Nobody sends
/// it anything: the figure is the time from starting the second node until every conversation has sent its request
/// again (the emulator counts one per conversation) — recovery of the shards' remembered entities and of each
/// conversation's events included.
/// </summary>
public static class RecoveryBenchRun
{
    private const string Message = "recover and answer";

    /// <summary>Messages posted at once while preparing: the journal batches their writes.</summary>
    private const int PostConcurrency = 256;

    /// <summary>The first node's model: slower than any run, so that no conversation finishes its turn.</summary>
    private static readonly TimeSpan NeverAnswers = TimeSpan.FromHours(1);

    public static async Task<RecoveryResult> RunAsync(int conversations, OrchestratorSettings settings, string dataDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var tools = new ToolRegistry();
        var prepare = Stopwatch.StartNew();
        await using (var stalled = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = NeverAnswers }, cancellationToken))
        {
            await using var first = await OrchestratorNode.StartAsync(For(settings, stalled, dataDirectory), tools, LogLevel.Error, cancellationToken);
            await Parallel.ForEachAsync(
                Enumerable.Range(0, conversations),
                new ParallelOptions { MaxDegreeOfParallelism = PostConcurrency, CancellationToken = cancellationToken },
                async (i, token) => await first.Client.PostAsync($"recover-{i}", Message, $"m-{i}", token));
        }
        var prepared = prepare.Elapsed;

        await using var answering = await EmulatorServer.StartAsync(new EmulatorOptions(), cancellationToken);
        var clock = Stopwatch.StartNew();
        await using var second = await OrchestratorNode.StartAsync(For(settings, answering, dataDirectory), tools, LogLevel.Error, cancellationToken);
        var nodeStarted = clock.Elapsed;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        // Nothing in the engine announces "all resumed": the emulator's request count is the signal, polled.
        while (answering.Counters.Requests < conversations && !deadline.IsCancellationRequested)
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        var resumed = clock.Elapsed;
        cancellationToken.ThrowIfCancellationRequested();
        return new RecoveryResult(conversations, answering.Counters.Requests, prepared, nodeStarted, resumed);
    }

    private static OrchestratorSettings For(OrchestratorSettings settings, EmulatorServer emulator, string dataDirectory) =>
        settings with { ResponsesUrl = emulator.ResponsesUrl, DataDirectory = dataDirectory };
}

/// <param name="Resumed">Requests the second node sent; fewer than <paramref name="Conversations"/> if the run timed out.</param>
public sealed record RecoveryResult(int Conversations, long Resumed, TimeSpan Prepared, TimeSpan NodeStarted, TimeSpan AllResumed);
