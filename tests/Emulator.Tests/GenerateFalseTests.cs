namespace Orchestrator.Emulator.Tests;

public sealed class GenerateFalseTests
{
    [Fact]
    public async Task Generate_false_prepares_a_continuable_response_without_output()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        var prepare = Requests.Create(Requests.Items(Requests.UserMessage("tools:2")), tools: Requests.WeatherTools());
        prepare["generate"] = false;
        ResponseResult prepared = await client.CreateAsync(prepare);
        ResponseResult continued = await client.CreateAsync(Requests.Create(Requests.Items(), previousResponseId: prepared.Id, tools: Requests.WeatherTools()));

        Assert.Equal(["response.created", "response.completed"], prepared.Types);
        Assert.Empty(prepared.Output);
        Assert.Equal(0, prepared.Usage.GetProperty("output_tokens").GetInt32());
        Assert.True(prepared.Usage.GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal(2, continued.FunctionCalls.Length);
        Assert.True(continued.Usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32() > 0);
    }
}
