using System.Diagnostics;
using Orchestrator.Actors.Tools;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Orchestrator.Load;

/// <summary>
/// How long a restart takes to bring back C conversations that had open work (issue 6: 10,000 within 10 s). A first
/// node accepts one message per conversation against a model that does not answer, so that every conversation is
/// mid-turn, and stops; then <c>orchestrator serve</c> starts in a new process on the same journal, against a model
/// that answers at once. Nobody sends it anything: the figure is the time from starting that process until every
/// conversation has sent its request again (the emulator counts one per conversation) — the runtime's start and its
/// compiling, the shards' remembered entities and each conversation's recovery from the journal included.
/// </summary>
public static class RecoveryBenchRun
{
    private const string Message = "recover and answer";

    /// <summary>Messages posted at once while preparing: the journal batches their writes.</summary>
    private const int PostConcurrency = 256;

    /// <summary>The first node's model: slower than any run, so that no conversation finishes its turn.</summary>
    private static readonly TimeSpan NeverAnswers = TimeSpan.FromHours(1);

    /// <param name="environment">The bench's environment, which the restarted node's journal and cluster settings come from.</param>
    /// <param name="preparedDirectory">
    /// Where a prepared journal is kept between runs (null: none): reused when it was prepared for the same number of
    /// conversations, else prepared and kept there. Each run restarts on a copy, so what it measures is the same.
    /// </param>
    public static async Task<RecoveryResult> RunAsync(
        int conversations, OrchestratorSettings settings, Func<string, string?> environment, string dataDirectory, string? preparedDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var prepare = Stopwatch.StartNew();
        if (preparedDirectory is not null && PreparedJournal.TryRestore(preparedDirectory, conversations, dataDirectory))
        {
            return await RestartAsync(conversations, environment, dataDirectory, prepared: null, timeout, cancellationToken);
        }
        await PrepareAsync(conversations, settings, dataDirectory, cancellationToken);
        var prepared = prepare.Elapsed;
        if (preparedDirectory is not null) PreparedJournal.Keep(dataDirectory, conversations, preparedDirectory);
        return await RestartAsync(conversations, environment, dataDirectory, prepared, timeout, cancellationToken);
    }

    private static async Task PrepareAsync(int conversations, OrchestratorSettings settings, string dataDirectory, CancellationToken cancellationToken)
    {
        var tools = new ToolRegistry();
        await using (var stalled = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = NeverAnswers }, cancellationToken))
        {
            await using var first = await OrchestratorNode.StartAsync(For(settings, stalled, dataDirectory, conversations), tools, LogLevel.Error, cancellationToken);
            await Parallel.ForEachAsync(
                Enumerable.Range(0, conversations),
                new ParallelOptions { MaxDegreeOfParallelism = PostConcurrency, CancellationToken = cancellationToken },
                async (i, token) => await first.Client.PostAsync($"recover-{i}", Message, $"m-{i}", token));
        }
    }

    private static async Task<RecoveryResult> RestartAsync(
        int conversations, Func<string, string?> environment, string dataDirectory, TimeSpan? prepared, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var answering = await EmulatorServer.StartAsync(new EmulatorOptions(), cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        await using var restarted = RestartedNodeProcess.Start(answering.ResponsesUrl, dataDirectory, environment);
        await restarted.WaitUntilListeningAsync(deadline.Token);
        var nodeStarted = clock.Elapsed;
        // Nothing in the engine announces "all resumed": the emulator's request count is the signal, polled.
        TimeSpan? firstRequest = null, halfResumed = null;
        while (answering.Counters.Requests is var seen && seen < conversations && !deadline.IsCancellationRequested && !restarted.HasExited)
        {
            if (seen > 0) firstRequest ??= clock.Elapsed;
            if (seen >= conversations / 2) halfResumed ??= clock.Elapsed;
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
        var resumed = clock.Elapsed;
        cancellationToken.ThrowIfCancellationRequested();
        if (restarted.HasExited) throw new InvalidOperationException($"the restarted node exited: {await restarted.LastErrorAsync()}");
        return new RecoveryResult(conversations, answering.Counters.Requests, prepared, nodeStarted, firstRequest ?? resumed, halfResumed ?? resumed, resumed, restarted.CpuTime);
    }

    /// <summary>
    /// The first node's settings. Its model never answers, so every conversation past the lanes waits for a lease: the
    /// lease queue holds them all, where the node's bound (max-queued-leases, 10,000) would refuse the rest and their
    /// turns would end abandoned, leaving nothing open to resume. The restarted node runs with the node's own settings.
    /// </summary>
    private static OrchestratorSettings For(OrchestratorSettings settings, EmulatorServer emulator, string dataDirectory, int conversations) =>
        settings with
        {
            ResponsesUrl = emulator.ResponsesUrl,
            DataDirectory = dataDirectory,
            Connections = settings.Connections with { MaxQueuedLeases = Math.Max(settings.Connections.MaxQueuedLeases, conversations) },
        };
}

/// <param name="Resumed">Requests the second node sent; fewer than <paramref name="Conversations"/> if the run timed out.</param>
/// <param name="Prepared">How long preparing the journal took; null when a kept one was reused.</param>
/// <param name="FirstRequest">When the emulator saw the first resumed request: the shards and the first recoveries are done.</param>
/// <param name="HalfResumed">When it had seen half of them: with <paramref name="FirstRequest"/>, how the resuming proceeds.</param>
/// <param name="NodeCpu">
/// The restarted node's CPU time until every conversation had resumed (its turns go on meanwhile): less noisy than the
/// wall time on a shared machine, and what 10,000 recoveries cost whatever the cores.
/// </param>
public sealed record RecoveryResult(int Conversations, long Resumed, TimeSpan? Prepared, TimeSpan NodeStarted, TimeSpan FirstRequest, TimeSpan HalfResumed, TimeSpan AllResumed, TimeSpan NodeCpu);
