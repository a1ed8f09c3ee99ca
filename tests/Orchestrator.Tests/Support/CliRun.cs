using Orchestrator.Cli;

namespace Orchestrator.Tests.Support;

/// <summary>One run of the orchestrator's command line: its exit code and what it printed on stdout and stderr.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs the command line in this process with no environment variables, within <see cref="TestNodes.TurnTimeout"/>.</summary>
    public static async Task<CliRun> InProcessAsync(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await Program.RunAsync(args, _ => null, stdout, stderr).WaitAsync(TestNodes.TurnTimeout);
        return new CliRun(exit, stdout.ToString(), stderr.ToString());
    }
}
