using System.Net;
using System.Net.Sockets;
using Npgsql;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Crash;
using Orchestrator.Tests.Support;

namespace Orchestrator.Tests.Cluster;

/// <summary>
/// Three <c>serve</c> processes on 127.0.0.1 forming one cluster over a fresh PostgreSQL journal, against an emulator
/// in the test process. Each node keeps its cluster port across restarts, and every node lists all three as seed
/// nodes, so any of them can be restarted alone or all together. Keeps the log lines of every incarnation.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const int Size = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly TestJournal _journal;
    private readonly EmulatorServer _emulator;
    private readonly int _toolLatencyMs;
    private readonly int[] _clusterPorts;
    private readonly ServeProcess?[] _nodes = new ServeProcess?[Size];
    private readonly List<IReadOnlyList<string>> _finishedLogs = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private TestCluster(TestJournal journal, EmulatorServer emulator, int toolLatencyMs)
    {
        _journal = journal;
        _emulator = emulator;
        _toolLatencyMs = toolLatencyMs;
        _clusterPorts = Enumerable.Range(0, Size).Select(_ => FreePort()).ToArray();
    }

    /// <summary>A new journal and emulator, and the three nodes started on them.</summary>
    public static async Task<TestCluster> StartAsync(TimeSpan modelLatency, int toolLatencyMs)
    {
        var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = modelLatency });
        var cluster = new TestCluster(journal, emulator, toolLatencyMs);
        try
        {
            await cluster.StartAllAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public TestJournal Journal => _journal;

    /// <summary>The nodes running now.</summary>
    public IReadOnlyList<ServeProcess> Running => _nodes.OfType<ServeProcess>().Where(node => !node.HasExited).ToList();

    public ServeProcess Node(int index) => _nodes[index] ?? throw new InvalidOperationException($"node {index} is not running");

    /// <summary>Starts the stopped nodes at once (a cluster start) and waits until each reports its member up.</summary>
    public async Task StartAllAsync() =>
        await Task.WhenAll(Enumerable.Range(0, Size).Where(i => _nodes[i] is null).Select(StartAsync));

    public async Task StartAsync(int index)
    {
        var seeds = string.Join(",", _clusterPorts.Select(port => $"127.0.0.1:{port}"));
        var node = await ServeProcess.StartAsync(
            _journal, _emulator.ResponsesUrl, _toolLatencyMs, StartTimeout,
            ["--cluster-port", _clusterPorts[index].ToString(), "--seed-nodes", seeds],
            // Three nodes share one server (max_connections 100 by default): bound each node's pool.
            new Dictionary<string, string> { ["ORCHESTRATOR_POSTGRES"] = new NpgsqlConnectionStringBuilder(_journal.ConnectionString) { MaxPoolSize = 20 }.ConnectionString });
        _nodes[index] = node;
        await WaitUntilReadyAsync(node);
    }

    /// <summary>SIGKILL of one node; returns when it is gone.</summary>
    public async Task KillAsync(int index)
    {
        var node = Node(index);
        await node.KillAsync();
        Retire(index, node);
    }

    /// <summary>SIGTERM of one node: it leaves the cluster and hands its shards over; returns once it has exited.</summary>
    public async Task StopAsync(int index)
    {
        var node = Node(index);
        await node.StopAsync(TimeSpan.FromSeconds(60));
        Retire(index, node);
    }

    /// <summary>SIGTERM to every node at once (a whole-cluster stop); returns once all have exited.</summary>
    public async Task StopAllAsync()
    {
        var running = Enumerable.Range(0, Size).Where(i => _nodes[i] is not null).ToList();
        await Task.WhenAll(running.Select(i => Node(i).StopAsync(TimeSpan.FromSeconds(60))));
        foreach (var i in running) Retire(i, Node(i));
    }

    /// <summary>Every log line of every incarnation so far, in the time order Akka stamped on them.</summary>
    public IReadOnlyList<string> MergedLog() =>
        _finishedLogs.Concat(_nodes.OfType<ServeProcess>().Select(node => node.LogLines))
            .SelectMany(lines => lines)
            .Select(line => (Time: ToolRunLog.Time(line), Line: line))
            .Where(entry => entry.Time is not null)
            .OrderBy(entry => entry.Time)
            .Select(entry => entry.Line)
            .ToList();

    /// <summary>Log lines of the incarnations that ended (killed or stopped), in the order they ended.</summary>
    public IReadOnlyList<IReadOnlyList<string>> FinishedLogs => _finishedLogs;

    private void Retire(int index, ServeProcess node)
    {
        _finishedLogs.Add(node.LogLines);
        _nodes[index] = null;
        _ = node.DisposeAsync();
    }

    private async Task WaitUntilReadyAsync(ServeProcess node)
    {
        using var deadline = new CancellationTokenSource(ReadyTimeout);
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(node.Address, "/readyz"), deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !deadline.IsCancellationRequested)
            {
                // Not listening yet or busy: ask again.
            }
            if (deadline.IsCancellationRequested || node.HasExited)
                throw new TimeoutException($"node {node.Address} did not become ready (member up, journal answering) within {ReadyTimeout.TotalSeconds:0} s");
            // /readyz is the only signal of a joined member over HTTP: poll it, bounded by the deadline.
            await Task.Delay(250, CancellationToken.None);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.OfType<ServeProcess>()) await node.DisposeAsync();
        _http.Dispose();
        await _emulator.DisposeAsync();
        await _journal.DisposeAsync();
    }
}
