using Orchestrator.Load;
using Xunit;

namespace Orchestrator.Tests.Bench;

public sealed class BenchScenarioSpec
{
    [Fact]
    public void The_emulator_it_starts_draws_the_model_latency_from_the_scenarios_mean_and_jitter()
    {
        var scenario = new BenchScenario(1000, 5, 3, TimeSpan.FromSeconds(1), TimeSpan.Zero) { ModelLatencyJitter = TimeSpan.FromMilliseconds(500) };

        var options = scenario.Emulator();

        Assert.Equal(TimeSpan.FromSeconds(1), options.ModelLatency);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ModelLatencyJitter);
    }
}
