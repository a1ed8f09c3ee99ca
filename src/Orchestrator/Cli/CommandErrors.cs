using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Cli;

/// <summary>A command that ran and failed; its message is the one-line error.</summary>
public sealed class CommandFailedException(string message) : Exception(message);

/// <summary>Every verb ends the same way: exit 0, or one line on stderr and a non-zero exit.</summary>
public static class CommandErrors
{
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;

    public static async Task<int> Guard(TextWriter stderr, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ConfigurationException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Usage;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("error: interrupted");
            return Interrupted;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: {OneLine(e)}");
            return Failed;
        }
    }

    private static string OneLine(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null && innermost is AggregateException or TypeInitializationException) innermost = innermost.InnerException;
        return innermost.Message.ReplaceLineEndings(" ");
    }
}
