using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>Compaction over HTTP and by <c>context_management</c>: the compacted chain ends with the same digest.</summary>
public sealed class CompactionTests
{
    [Fact]
    public async Task Http_compaction_returns_a_window_that_a_full_send_continues_from()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
        using var http = new HttpClient();

        ResponseResult first = await client.CreateAsync(Requests.Create("tools:2 rounds:2", store: null, tools: Requests.WeatherTools()));
        JsonArray outputs = Outputs(first);
        using HttpResponseMessage compacted = await http.PostAsJsonAsync(
            new Uri(server.BaseUrl + "/responses/compact"),
            new JsonObject { ["model"] = Requests.Model, ["previous_response_id"] = first.Id, ["input"] = outputs },
            timeout.Token);
        JsonObject body = (await compacted.Content.ReadFromJsonAsync<JsonObject>(timeout.Token))!;
        JsonArray window = body["output"]!.AsArray();
        ResponseResult second = await client.CreateAsync(Requests.Create(window.DeepClone(), tools: Requests.WeatherTools()));
        ResponseResult last = await client.CreateAsync(Requests.Create(Outputs(second), previousResponseId: second.Id, tools: Requests.WeatherTools()));

        Assert.Equal(HttpStatusCode.OK, compacted.StatusCode);
        Assert.Equal("response.compaction", body["object"]!.GetValue<string>());
        Assert.Equal(["message", "compaction"], window.Select(item => item!["type"]!.GetValue<string>()));
        Assert.True(body["usage"]!["input_tokens"]!.GetValue<int>() > 0);
        Assert.Equal(2, second.FunctionCalls.Length);
        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", last.Text);
        Assert.Equal(1, server.Counters.Compactions);
    }

    [Fact]
    public async Task Context_management_compacts_on_the_server_and_the_chain_goes_on()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult first = await client.CreateAsync(Compacting(Requests.Create("tools:2 rounds:2", tools: Requests.WeatherTools()), threshold: 1_000_000));
        ResponseResult second = await client.CreateAsync(Compacting(Requests.Create(Outputs(first), previousResponseId: first.Id, tools: Requests.WeatherTools()), threshold: 1));
        ResponseResult last = await client.CreateAsync(Requests.Create(Outputs(second), previousResponseId: second.Id, tools: Requests.WeatherTools()));

        Assert.NotEqual("compaction", first.Output[0].GetProperty("type").GetString());
        Assert.Equal("compaction", second.Output[0].GetProperty("type").GetString());
        Assert.StartsWith("emu1.", second.Output[0].GetProperty("encrypted_content").GetString());
        Assert.Equal(2, second.FunctionCalls.Length);
        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", last.Text);
    }

    [Fact]
    public async Task An_altered_compaction_item_is_refused()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        JsonObject forged = new() { ["type"] = "compaction", ["id"] = "cmp_1", ["encrypted_content"] = "emu1.bm90IHJlYWw=.0000" };
        ResponseResult result = await client.CreateAsync(Requests.Create(Requests.Items(Requests.UserMessage("hi"), forged)));

        Assert.Equal("invalid_encrypted_content", result.ErrorCode);
    }

    private static JsonObject Compacting(JsonObject request, int threshold)
    {
        request["context_management"] = new JsonArray(new JsonObject { ["type"] = "compaction", ["compact_threshold"] = threshold });
        return request;
    }

    private static JsonArray Outputs(ResponseResult result) =>
        Requests.Items(result.FunctionCalls.Select(call => Requests.FunctionOutput(call.GetProperty("call_id").GetString()!)));
}
