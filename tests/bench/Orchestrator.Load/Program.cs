using System.CommandLine;
using Orchestrator.Cli;

namespace Orchestrator.Load;

public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error);

    /// <summary>The bench, with its environment and output passed in so that tests can run it in-process.</summary>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter stdout, TextWriter stderr)
    {
        var root = BenchCommand.Create(environment, stdout, stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => e.Message))} (see --help)");
            return CommandErrors.Usage;
        }
        // As the orchestrator program: a run stopped by SIGTERM disposes its node, which takes longer than the parser's default of 2 s.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }
}
