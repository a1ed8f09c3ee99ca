using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary><c>prompt_cache_options</c>: accepted on <c>response.create</c>; <c>prewarm: true</c> generates nothing, as <c>generate: false</c>.</summary>
public sealed class PromptCacheOptionsTests
{
    [Fact]
    public async Task A_prewarm_generates_nothing_and_the_chain_continues_from_it()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        JsonObject prewarm = Requests.Create(new JsonArray());
        prewarm["prompt_cache_options"] = new JsonObject { ["mode"] = "extended", ["ttl"] = "24h", ["prewarm"] = true, ["comparison_response_id"] = null };
        ResponseResult warmed = await client.CreateAsync(prewarm);
        JsonObject answer = Requests.Create("hello", previousResponseId: warmed.Id);
        answer["prompt_cache_options"] = new JsonObject { ["mode"] = "extended" };
        ResponseResult answered = await client.CreateAsync(answer);

        Assert.False(warmed.IsError, warmed.Last.GetRawText());
        Assert.Empty(warmed.Output);
        Assert.False(answered.IsError, answered.Last.GetRawText());
        Assert.Contains("hello", answered.Text);
    }

    [Fact]
    public async Task Options_of_the_wrong_type_are_refused()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        JsonObject request = Requests.Create("hello");
        request["prompt_cache_options"] = new JsonObject { ["prewarm"] = "yes" };
        ResponseResult refused = await client.CreateAsync(request);

        Assert.True(refused.IsError);
        Assert.Equal("invalid_type", refused.ErrorCode);
    }
}
