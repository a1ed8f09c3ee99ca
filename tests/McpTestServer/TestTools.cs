using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace McpTestServer;

/// <summary>The two tools of the test server: one that takes its time, one that always fails.</summary>
[McpServerToolType]
public static class TestTools
{
    /// <summary>Names a file the server writes its process id into when it starts.</summary>
    public const string PidFileVariable = "MCP_TEST_PID_FILE";

    /// <summary>Names a file <c>slow_echo</c> appends a line to when a call starts, before it waits.</summary>
    public const string StartedFileVariable = "MCP_TEST_STARTED_FILE";

    /// <summary>Names a file holding how long <c>slow_echo</c> waits, in milliseconds, read at each call (200 without it).</summary>
    public const string SlowMillisecondsFileVariable = "MCP_TEST_SLOW_MS_FILE";

    [McpServerTool(Name = "slow_echo"), Description("Waits a moment, then answers with the text it was given.")]
    public static async Task<string> SlowEcho([Description("The text to echo.")] string text, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(StartedFileVariable) is { Length: > 0 } started)
            await File.AppendAllTextAsync(started, text + "\n", cancellationToken);
        var waitFile = Environment.GetEnvironmentVariable(SlowMillisecondsFileVariable);
        var wait = waitFile is { Length: > 0 } && File.Exists(waitFile)
            ? int.Parse(await File.ReadAllTextAsync(waitFile, cancellationToken), CultureInfo.InvariantCulture)
            : 200;
        await Task.Delay(wait, cancellationToken);
        return "echo: " + text;
    }

    [McpServerTool(Name = "always_fails"), Description("Fails every time it is called.")]
    public static string AlwaysFails([Description("Why it is called.")] string reason) =>
        throw new McpException($"always_fails refused '{reason}' on purpose");
}
