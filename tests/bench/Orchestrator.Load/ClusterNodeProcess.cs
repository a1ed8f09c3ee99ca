using System.Diagnostics;
using System.Net;
using System.Text;

namespace Orchestrator.Load;

/// <summary>
/// One node of the bench's cluster: <c>orchestrator serve</c> in a process of its own, on the PostgreSQL journal the
/// bench created, with a fixed cluster port and every node of the cluster as its seed nodes, as a deployment runs it.
/// Its HTTP API listens on a free loopback port, read from its first line of output.
/// </summary>
public sealed class ClusterNodeProcess : IAsyncDisposable
{
    /// <summary>Lines of the node's stderr kept for an error message: the last ones say why it stopped.</summary>
    private const int KeptErrorLines = 20;

    private readonly Process _process;
    private readonly Task<string?> _listening;
    private readonly Task _stderr;
    private readonly Queue<string> _errors = new();

    private ClusterNodeProcess(int index, Process process)
    {
        Index = index;
        _process = process;
        // serve's first stdout line is "listening on http://… · endpoint …"; the rest must be drained.
        _listening = Task.Run(async () =>
        {
            var first = await process.StandardOutput.ReadLineAsync();
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            return first;
        });
        _stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_errors)
                {
                    _errors.Enqueue(line);
                    if (_errors.Count > KeptErrorLines) _errors.Dequeue();
                }
            }
        });
    }

    public int Index { get; }

    /// <summary>The node's HTTP API, once <see cref="WaitUntilListeningAsync"/> has returned.</summary>
    public Uri? Address { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <param name="configFile">The HOCON file of <see cref="ClusterNodeSettings.Hocon"/>.</param>
    /// <param name="postgres">The node's connection string (<see cref="ClusterNodeSettings.ConnectionString"/>).</param>
    public static ClusterNodeProcess Start(int index, Uri endpoint, int clusterPort, IReadOnlyList<int> seedPorts, string configFile, string postgres, string dataDirectory)
    {
        var (host, program) = RestartedNodeProcess.OrchestratorProgram();
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        if (program is not null) start.ArgumentList.Add(program);
        foreach (var arg in new[]
                 {
                     "serve", "--urls", "http://127.0.0.1:0", "--endpoint", endpoint.ToString(), "--data", dataDirectory, "--config", configFile,
                     "--cluster-host", "127.0.0.1", "--cluster-port", clusterPort.ToString(), "--seed-nodes", ClusterNodeSettings.SeedNodes(seedPorts), "--log-level", "Error",
                 })
        {
            start.ArgumentList.Add(arg);
        }
        // Only what the bench sets reaches the node: the endpoint is the bench's emulator, and a key must not travel with it.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ORCHESTRATOR_", StringComparison.Ordinal) || k.StartsWith("OPENAI_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["ORCHESTRATOR_JOURNAL"] = "postgres";
        start.Environment["ORCHESTRATOR_POSTGRES"] = postgres;
        return new ClusterNodeProcess(index, Process.Start(start) ?? throw new InvalidOperationException($"{host} did not start"));
    }

    /// <summary>Completes when the node listens; fails, with the node's last error lines, if it exits first.</summary>
    public async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var first = await _listening.WaitAsync(cancellationToken);
        if (first is null) throw new InvalidOperationException($"node {Index} did not start: {await LastErrorsAsync()}");
        if (!first.StartsWith("listening on ", StringComparison.Ordinal)) throw new InvalidOperationException($"node {Index} printed '{first}' where it says where it listens");
        Address = new Uri(first.Split(' ')[2]);
    }

    /// <summary>
    /// Polls <c>/readyz</c> (the journal answers and this node's member is up: the only signal of a joined member over
    /// HTTP) until it answers 200; fails if the node exits first. The caller's token bounds the wait.
    /// </summary>
    public async Task WaitUntilReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var readyz = new Uri(Address ?? throw new InvalidOperationException("the node is not listening yet"), "/readyz");
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"node {Index} exited before it became ready: {await LastErrorsAsync()}");
            try
            {
                using var response = await http.GetAsync(readyz, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not answering yet: asked again below.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>The CPU time the node's process has used so far, on every core.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The node's resident high-water mark so far (Linux VmHWM).</summary>
    public long PeakResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.PeakWorkingSet64;
        }
    }

    /// <summary>Once the node has exited: its last lines on stderr.</summary>
    public async Task<string> LastErrorsAsync()
    {
        await _process.WaitForExitAsync();
        await _stderr;
        lock (_errors) return _errors.Count == 0 ? $"exit code {_process.ExitCode}, no error output" : string.Join(" | ", _errors);
    }

    /// <summary>The figures are taken: SIGKILL, which the journal is built to survive, rather than a cluster leave per node.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
