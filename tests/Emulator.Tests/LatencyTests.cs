using System.Diagnostics;
using System.Text.Json;

namespace Orchestrator.Emulator.Tests;

/// <summary>The model latency distribution and the token rate.</summary>
public sealed class LatencyTests
{
    private static readonly TimeSpan Mean = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Without_jitter_every_response_gets_the_mean()
    {
        var model = new LatencyModel(new EmulatorOptions { ModelLatency = Mean, LatencySeed = 3 });

        Assert.All(Enumerable.Range(0, 100), n => Assert.Equal(Mean, model.ModelLatencyOf(n)));
    }

    [Fact]
    public void Jittered_latencies_are_uniform_around_the_mean_and_reproducible_from_the_seed()
    {
        static TimeSpan[] Draws(int seed)
        {
            var model = new LatencyModel(new EmulatorOptions { ModelLatency = Mean, ModelLatencyJitter = Jitter, LatencySeed = seed });
            return [.. Enumerable.Range(1, 2000).Select(n => model.ModelLatencyOf(n))];
        }

        TimeSpan[] draws = Draws(7);
        double averageMs = draws.Average(d => d.TotalMilliseconds);

        Assert.Equal(draws, Draws(7));
        Assert.NotEqual(draws, Draws(8));
        Assert.All(draws, d => Assert.InRange(d, Mean - Jitter, Mean + Jitter));
        Assert.InRange(averageMs, 490, 510);
        Assert.InRange(draws.Count(d => d < Mean - Jitter / 2), 400, 600);
        Assert.InRange(draws.Count(d => d > Mean + Jitter / 2), 400, 600);
    }

    [Fact]
    public async Task A_response_waits_at_least_its_drawn_model_latency()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var options = new EmulatorOptions { ModelLatency = TimeSpan.FromMilliseconds(300), ModelLatencyJitter = TimeSpan.FromMilliseconds(200), LatencySeed = 11 };
        TimeSpan drawn = new LatencyModel(options).ModelLatencyOf(1);
        await using EmulatorServer server = await EmulatorServer.StartAsync(options, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        long started = Stopwatch.GetTimestamp();
        ResponseResult result = await client.CreateAsync(Requests.Create("hello"));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal("response.completed", result.Types.Last());
        Assert.True(elapsed >= drawn, $"completed after {elapsed}, drawn latency {drawn}");
    }

    [Fact]
    public void The_pacer_schedules_the_kth_delta_k_over_rate_after_the_output_began()
    {
        long started = Stopwatch.GetTimestamp();
        long At(double milliseconds) => started + (long)(milliseconds * Stopwatch.Frequency / 1000);
        var pacer = new DeltaPacer(10, TimeSpan.Zero, started);

        TimeSpan first = pacer.WaitBeforeNext(At(0));
        TimeSpan lateSecond = pacer.WaitBeforeNext(At(250));
        TimeSpan third = pacer.WaitBeforeNext(At(250));
        TimeSpan fourth = pacer.WaitBeforeNext(At(300));

        Assert.Equal(100, first.TotalMilliseconds, 1);
        Assert.Equal(TimeSpan.Zero, lateSecond);
        Assert.Equal(50, third.TotalMilliseconds, 1);
        Assert.Equal(100, fourth.TotalMilliseconds, 1);
    }

    [Fact]
    public void Without_a_rate_the_pacer_waits_the_token_latency_before_each_delta()
    {
        var pacer = new DeltaPacer(0, TimeSpan.FromMilliseconds(40), Stopwatch.GetTimestamp());

        Assert.Equal(TimeSpan.FromMilliseconds(40), pacer.WaitBeforeNext(Stopwatch.GetTimestamp()));
        Assert.Equal(TimeSpan.FromMilliseconds(40), pacer.WaitBeforeNext(Stopwatch.GetTimestamp() + Stopwatch.Frequency));
    }

    [Fact]
    public async Task Deltas_stream_at_the_configured_tokens_per_second()
    {
        const double rate = 25;
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { TokensPerSecond = rate }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        long started = Stopwatch.GetTimestamp();
        ResponseResult result = await client.CreateAsync(Requests.Create("Please say something long enough to stream in several deltas, one after another, at the rate asked for."));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);

        int deltas = result.Types.Count(type => type.EndsWith(".delta", StringComparison.Ordinal));
        Assert.True(deltas >= 8, $"only {deltas} deltas");
        Assert.Equal("response.completed", result.Types.Last());
        Assert.True(elapsed >= TimeSpan.FromSeconds(deltas / rate), $"{deltas} deltas at {rate}/s took only {elapsed}");
    }

    [Fact]
    public async Task Invalid_latency_options_are_refused_at_start()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = TimeSpan.FromMilliseconds(100), ModelLatencyJitter = TimeSpan.FromMilliseconds(101) }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { TokensPerSecond = -1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { TokensPerSecond = double.PositiveInfinity }));
        await Assert.ThrowsAsync<ArgumentException>(() => EmulatorServer.StartAsync(new EmulatorOptions { TokensPerSecond = 10, TokenLatency = TimeSpan.FromMilliseconds(5) }));
    }
}
