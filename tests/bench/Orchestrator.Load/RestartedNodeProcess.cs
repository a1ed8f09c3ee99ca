using System.Diagnostics;
using System.Text;

namespace Orchestrator.Load;

/// <summary>
/// The node a restart brings up: <c>orchestrator serve</c> in a process of its own, as a user restarts one — a cold
/// runtime that has compiled nothing yet, not a second node in the process that prepared the journal.
/// </summary>
public sealed class RestartedNodeProcess : IAsyncDisposable
{
    /// <summary>
    /// What the node reads from the environment for its journal, its cluster and its settings file (a restart's
    /// settings, such as sharding's, are tried with ORCHESTRATOR_CONFIG): the child sees what the bench's node saw.
    /// </summary>
    private static readonly string[] PassedOn =
        ["ORCHESTRATOR_JOURNAL", "ORCHESTRATOR_POSTGRES", "ORCHESTRATOR_SQLITE_SYNCHRONOUS", "ORCHESTRATOR_CLUSTER_HOST", "ORCHESTRATOR_CLUSTER_PORT", "ORCHESTRATOR_SEED_NODES", "ORCHESTRATOR_CONFIG"];

    private readonly Process _process;
    private readonly Task<string?> _listening;
    private readonly Task<string> _error;

    private RestartedNodeProcess(Process process)
    {
        _process = process;
        // serve's first stdout line is "listening on http://…"; the rest of stdout is not needed but must be drained.
        _listening = Task.Run(async () =>
        {
            var first = await process.StandardOutput.ReadLineAsync();
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            return first;
        });
        _error = process.StandardError.ReadToEndAsync();
    }

    /// <param name="environment">The bench's environment: <see cref="PassedOn"/> comes from it, no other ORCHESTRATOR_ or OPENAI_ variable.</param>
    public static RestartedNodeProcess Start(Uri endpoint, string dataDirectory, Func<string, string?> environment)
    {
        var (host, program) = OrchestratorProgram();
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        if (program is not null) start.ArgumentList.Add(program);
        foreach (var arg in new[] { "serve", "--urls", "http://127.0.0.1:0", "--endpoint", endpoint.ToString(), "--data", dataDirectory, "--log-level", "Error" })
            start.ArgumentList.Add(arg);
        // The endpoint is the bench's emulator, given explicitly; a key in the environment must not travel with it.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ORCHESTRATOR_", StringComparison.Ordinal) || k.StartsWith("OPENAI_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        foreach (var name in PassedOn)
        {
            if (environment(name) is { } value) start.Environment[name] = value;
        }
        return new RestartedNodeProcess(Process.Start(start) ?? throw new InvalidOperationException($"{host} did not start"));
    }

    /// <summary>Completes when the node listens; fails, with the node's last error line, if it exits first.</summary>
    public async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var first = await _listening.WaitAsync(cancellationToken);
        if (first is null) throw new InvalidOperationException($"the restarted node did not start: {await LastErrorAsync()}");
        if (!first.StartsWith("listening on ", StringComparison.Ordinal)) throw new InvalidOperationException($"the restarted node printed '{first}' where it says where it listens");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The CPU time the node's process has used so far, on every core.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Once the node has exited or is exiting (its output ended): its last line on stderr.</summary>
    public async Task<string> LastErrorAsync()
    {
        await _process.WaitForExitAsync();
        var lines = (await _error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.LastOrDefault() ?? $"exit code {_process.ExitCode}, no error output";
    }

    /// <summary>The figure is taken: SIGKILL, which the journal is built to survive, rather than waiting out a shutdown.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>
    /// How to start the orchestrator program, copied beside this one (the project references it): by its own executable
    /// when this program runs as its own, else through the same <c>dotnet</c> host (or the test host's).
    /// </summary>
    internal static (string Host, string? Program) OrchestratorProgram()
    {
        var assembly = typeof(Orchestrator.Cli.Program).Assembly.Location;
        var process = Environment.ProcessPath;
        var executable = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
        if (process is not null && Path.GetFileNameWithoutExtension(process) == Path.GetFileNameWithoutExtension(typeof(RestartedNodeProcess).Assembly.Location)
            && File.Exists(executable)) return (executable, null);
        var dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return (dotnet, assembly);
    }
}
