using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Load;

/// <summary>
/// <c>bench --nodes N</c>: N <c>orchestrator serve</c> processes forming one cluster on 127.0.0.1 over a fresh
/// PostgreSQL database (the cluster test's set-up), and the scenario's C conversations driven through their HTTP APIs,
/// spread round robin as a load balancer spreads them, so that with N nodes about (N−1)/N of them reach their
/// conversation through sharding on another node.
///
/// The emulator runs in this process, as in the one-node bench and the cluster test: the nodes are what is measured,
/// each in a process of its own whose CPU is read apart, and an emulator here is one process fewer to start, watch and
/// kill. Its CPU and the HTTP clients' are this process's, reported apart. The nodes run their demo tools
/// (<c>serve</c> registers no others): four lookups, like the bench's own, at no latency.
/// </summary>
public static class ClusterBenchRun
{
    /// <summary>Longest a node may take to listen and report ready (a cold runtime on a busy machine, the cluster forming).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Refuses, with what to change, the options a cluster run cannot honour.</summary>
    /// <param name="postgresServer">The --journal postgres server; null for any other journal.</param>
    public static void CheckOptions(string? postgresServer, bool recovery, bool endpoint, bool peer, bool noContinuation, TimeSpan toolLatency)
    {
        if (postgresServer is null)
            throw new ConfigurationException("--nodes runs `orchestrator serve` processes on one PostgreSQL journal: give --journal postgres and --postgres (or ORCHESTRATOR_POSTGRES).");
        if (recovery) throw new ConfigurationException("--nodes and --recovery are separate measurements: leave out one.");
        if (endpoint) throw new ConfigurationException("--nodes runs the nodes against the in-process emulator: leave out --endpoint.");
        if (peer) throw new ConfigurationException("--nodes measures the engine's nodes only: leave out --peer.");
        if (noContinuation) throw new ConfigurationException("--nodes runs the nodes as `orchestrator serve` does, with continuation: leave out --no-continuation.");
        // serve's demo tools take one to four times their latency option, which is not the bench's tool latency.
        if (toolLatency > TimeSpan.Zero) throw new ConfigurationException("--nodes runs serve's demo tools, at no latency: leave out --tool-latency-ms.");
    }

    public static async Task<ClusterBenchResult> RunAsync(
        int nodes, BenchScenario scenario, int? maxSockets, string postgresServer, OrchestratorSettings reference, string directory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await using var database = await PostgresBenchDatabase.CreateAsync(postgresServer, $"cluster{nodes}", cancellationToken);
        await using var emulator = await EmulatorServer.StartAsync(scenario.Emulator(), cancellationToken);
        var configFile = Path.Combine(directory, "node.conf");
        await File.WriteAllTextAsync(configFile, ClusterNodeSettings.Hocon(scenario, maxSockets, reference), cancellationToken);

        var ports = Enumerable.Range(0, nodes).Select(_ => FreePort()).ToList();
        var processes = new List<ClusterNodeProcess>();
        // Event streams stay open for a whole turn, and each conversation holds one: no client-wide timeout, no pooled-connection cap.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20) }) { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                processes.Add(ClusterNodeProcess.Start(
                    i, emulator.ResponsesUrl, ports[i], ports, configFile, ClusterNodeSettings.ConnectionString(database.ConnectionString), Path.Combine(directory, $"node-{i}")));
            }
            using (var starting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                starting.CancelAfter(StartTimeout);
                try
                {
                    await Task.WhenAll(processes.Select(async node =>
                    {
                        await node.WaitUntilListeningAsync(starting.Token);
                        await node.WaitUntilReadyAsync(http, starting.Token);
                    }));
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new InvalidOperationException($"the {nodes} nodes did not all become ready within {StartTimeout.TotalSeconds:0} s");
                }
            }
            var addresses = processes.Select(p => p.Address!).ToList();

            if (scenario.WarmUpConversations > 0)
            {
                var warmUp = await DriveAsync(http, addresses, scenario, "warmup", scenario.WarmUpConversations, timeout, cancellationToken);
                if (warmUp.Failed > 0) throw new InvalidOperationException($"the warm-up failed: {warmUp.FirstFailure}");
            }

            var started = DateTimeOffset.UtcNow;
            var loadAtStart = BenchReport.ReadLoadAverage();
            var journalBefore = await database.EventsAsync();
            var nodesCpuBefore = processes.Select(p => p.CpuTime).ToList();
            var benchCpuBefore = ProcessMeter.CpuTime();
            var clock = Stopwatch.StartNew();

            var outcome = await DriveAsync(http, addresses, scenario, "bench", scenario.Conversations, timeout, cancellationToken);

            var seconds = clock.Elapsed.TotalSeconds;
            var benchCpu = (ProcessMeter.CpuTime() - benchCpuBefore).TotalSeconds;
            var figures = processes.Select((p, i) => new ClusterNodeFigures(
                i, addresses[i].ToString().TrimEnd('/'), Sent(scenario.Conversations, nodes, i), (p.CpuTime - nodesCpuBefore[i]).TotalSeconds, p.PeakResidentBytes / (1024.0 * 1024.0))).ToList();
            var journalWrites = await database.EventsAsync() - journalBefore;
            var exited = processes.FirstOrDefault(p => p.HasExited);
            if (exited is not null) throw new InvalidOperationException($"node {exited.Index} exited during the run: {await exited.LastErrorsAsync()}");
            return new ClusterBenchResult(
                scenario, nodes, outcome.Completed, outcome.Failed, outcome.Turns, outcome.Retries, seconds, figures, benchCpu, journalWrites, outcome.FirstFailure, started, loadAtStart, BenchReport.ReadLoadAverage());
        }
        finally
        {
            foreach (var process in processes) await process.DisposeAsync();
        }
    }

    /// <summary>Conversations i with i mod <paramref name="nodes"/> = <paramref name="index"/>: those sent to that node.</summary>
    public static int Sent(int conversations, int nodes, int index) => conversations / nodes + (index < conversations % nodes ? 1 : 0);

    private static async Task<Outcome> DriveAsync(HttpClient http, IReadOnlyList<Uri> nodes, BenchScenario scenario, string prefix, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var driver = new ApiConversationDriver(http);
        var failures = new ConcurrentQueue<string>();
        var turns = 0L;
        var completed = 0;
        // Run-unique ids: every run has a database of its own, but a warm-up and its run share one.
        var run = Guid.NewGuid().ToString("N")[..8];
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            var id = $"{prefix}-{run}-{i}";
            try
            {
                var end = await driver.RunAsync(nodes[i % nodes.Count], id, scenario, deadline.Token);
                if (end.Completed)
                {
                    Interlocked.Add(ref turns, end.Turns);
                    Interlocked.Increment(ref completed);
                }
                else
                {
                    failures.Enqueue(end.Error!);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Enqueue($"{id}: not finished within {timeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                failures.Enqueue($"{id}: {e.Message}");
            }
        }));
        cancellationToken.ThrowIfCancellationRequested();
        return new Outcome(completed, failures.Count, turns, driver.Retries, failures.TryPeek(out var first) ? first : null);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Outcome(int Completed, int Failed, long Turns, long Retries, string? FirstFailure);
}
