using System.Globalization;
using System.Reflection;
using Orchestrator.Tools.Mcp;

namespace Orchestrator.Tests.Tools;

/// <summary>
/// The test MCP server (tests/McpTestServer, built with the tests) as a stdio server of a node, with the files it
/// reports through: its process id, the <c>slow_echo</c> calls it has started, and how long <c>slow_echo</c> waits.
/// </summary>
internal sealed class McpTestServerProcess : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcp-test-").FullName;

    public static string Dll { get; } = typeof(McpTestServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "McpTestServer").Value!;

    public string PidFile => Path.Combine(_directory, "pid");

    public string StartedFile => Path.Combine(_directory, "started");

    public McpStdioServer Server(string name = "test") => new(name, "dotnet", [Dll], new Dictionary<string, string>
    {
        ["MCP_TEST_PID_FILE"] = PidFile,
        ["MCP_TEST_STARTED_FILE"] = StartedFile,
        ["MCP_TEST_SLOW_MS_FILE"] = Path.Combine(_directory, "slow-ms"),
    });

    /// <summary>How long each later <c>slow_echo</c> call waits.</summary>
    public void SlowEchoWaits(TimeSpan wait) =>
        File.WriteAllText(Path.Combine(_directory, "slow-ms"), ((int)wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

    public int Pid => int.Parse(File.ReadAllText(PidFile), CultureInfo.InvariantCulture);

    public int StartedCalls => File.Exists(StartedFile) ? File.ReadAllLines(StartedFile).Length : 0;

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
