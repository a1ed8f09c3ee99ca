using System.Text.Json;
using Xunit;

namespace Orchestrator.Tests.Hosting;

/// <summary>The runtime settings the orchestrator program ships with (its runtimeconfig.json, copied beside the tests).</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void The_program_runs_with_the_server_garbage_collector()
    {
        Assert.True(ConfigProperties().GetProperty("System.GC.Server").GetBoolean());
    }

    [Fact]
    public void The_program_compiles_hot_code_without_an_instrumented_tier()
    {
        Assert.False(ConfigProperties().GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }

    [Fact]
    public void The_program_promotes_hot_code_without_the_call_counting_delay()
    {
        Assert.Equal(0, ConfigProperties().GetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs").GetInt32());
    }

    private static JsonElement ConfigProperties()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "orchestrator.runtimeconfig.json")));
        return config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
