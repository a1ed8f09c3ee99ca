using System.Text.Json;
using Xunit;

namespace Orchestrator.Tests.Hosting;

/// <summary>The runtime settings the orchestrator program ships with (its runtimeconfig.json, copied beside the tests).</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void The_program_runs_with_the_server_garbage_collector()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "orchestrator.runtimeconfig.json")));

        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
    }
}
