using System.Text.Json;
using Orchestrator.Emulator;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Cli;

/// <summary><c>run --endpoint …</c> against an endpoint that refuses WebSockets (the emulator's <c>--refuse-websocket</c>) completes over HTTP.</summary>
public sealed class RunOverHttpSpec
{
    [Fact]
    public async Task Run_against_an_endpoint_refusing_websockets_finishes_over_http_with_the_exact_digest()
    {
        using var temp = new TempDirectory();
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true, RefuseWebSockets = true });

        var result = await CliRun.InProcessAsync("run", "--json", "--data", temp.Path, "--endpoint", emulator.BaseUrl.ToString(), "compare cities tools:3 rounds:4");

        Assert.True(result.ExitCode == 0, result.Error);
        var last = JsonDocument.Parse(result.OutputLines[^1]).RootElement;
        Assert.Equal("turn.completed", last.GetProperty("type").GetString());
        Assert.Contains("calls=12 outputs=12 missing=0 duplicates=0", last.GetProperty("text").GetString());
        var sent = emulator.Traffic.Where(r => r.Type == "response.create").ToList();
        Assert.Equal(5, sent.Count);
        Assert.All(sent, r => Assert.Equal(TrafficTransport.Http, r.Transport));
    }
}
