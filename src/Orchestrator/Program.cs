using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Cli;

public static class Program
{
    public static Task<int> Main(string[] args)
    {
        if (OneShotTiering.ShouldStartOver(args, Environment.GetEnvironmentVariable, Environment.ProcessPath, AppContext.BaseDirectory, ProcessImage.Supported))
            ProcessImage.Replace(Environment.ProcessPath!, args, (OneShotTiering.DelayVariable, OneShotTiering.DefaultDelay));
        IConfiguration configuration;
        try
        {
            configuration = ConfigurationLayer.FromWorkingDirectory();
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message} {e.InnerException?.Message}".TrimEnd());
            return Task.FromResult(CommandErrors.Usage);
        }
        return RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, configuration);
    }

    /// <summary>
    /// The whole CLI, with its environment and output passed in so that tests can run it in-process.
    /// <paramref name="configuration"/> holds the host's keys (appsettings.json and <c>ORCHESTRATOR__…</c> variables); none when null.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter stdout, TextWriter stderr, IConfiguration? configuration = null)
    {
        var root = new RootCommand("Orchestrator: long, tool-heavy agent conversations over the OpenAI Responses API in WebSocket mode, on Akka.NET.")
        {
            RunCommand.Create(environment, stdout, stderr, configuration),
            ServeCommand.Create(environment, stdout, stderr, configuration),
            InspectCommand.Create(environment, stdout, stderr, configuration),
            EmulatorCommand.Create(stdout, stderr),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, not the parser's error list plus the whole help text.
            stderr.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => e.Message))} (see --help)");
            return CommandErrors.Usage;
        }
        // On SIGTERM a node leaves its cluster and hands its conversations over, which takes longer than the parser's
        // default of 2 s before it gives up on the command.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }
}
