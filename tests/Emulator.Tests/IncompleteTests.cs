using System.Text;

namespace Orchestrator.Emulator.Tests;

/// <summary><c>max_output_tokens</c>: output cut short ends in <c>response.incomplete</c>.</summary>
public sealed class IncompleteTests
{
    [Fact]
    public async Task Output_over_max_output_tokens_is_cut_and_the_response_ends_incomplete()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        var request = Requests.Create("a question that gets a long scripted answer");
        request["max_output_tokens"] = 5;
        ResponseResult cut = await client.CreateAsync(request);
        ResponseResult continued = await client.CreateAsync(Requests.Create("go on", previousResponseId: cut.Id));

        Assert.Equal("response.incomplete", cut.Types.Last());
        Assert.Equal("incomplete", cut.Response.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", cut.Response.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal(5, cut.Response.GetProperty("max_output_tokens").GetInt32());
        Assert.InRange(Encoding.UTF8.GetByteCount(cut.Text), 1, 20);
        Assert.StartsWith(cut.Text, "You said: \"a question that gets a long scripted answer\"", StringComparison.Ordinal);
        Assert.False(continued.IsError, "an incomplete response can be continued from");
    }

    [Fact]
    public async Task A_large_enough_max_output_tokens_changes_nothing()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        var request = Requests.Create("tools:2", tools: Requests.WeatherTools());
        request["max_output_tokens"] = 10_000;
        ResponseResult result = await client.CreateAsync(request);

        Assert.Equal("response.completed", result.Types.Last());
        Assert.Equal(2, result.FunctionCalls.Length);
    }
}
