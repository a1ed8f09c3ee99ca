using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

public sealed class ProtocolErrorTests
{
    [Theory]
    [InlineData("""{"type":"response.create","model":"m","input":"hi" """, "invalid_json", null)]
    [InlineData("""[1,2]""", "invalid_json", null)]
    [InlineData("""{"model":"m","input":"hi"}""", "missing_required_parameter", "type")]
    [InlineData("""{"type":"response.dance","model":"m"}""", "invalid_value", "type")]
    [InlineData("""{"type":"response.create","input":"hi"}""", "missing_required_parameter", "model")]
    [InlineData("""{"type":"response.create","model":"m","input":{"role":"user"}}""", "invalid_type", "input")]
    [InlineData("""{"type":"response.create","model":"m","input":[42]}""", "invalid_type", "input[0]")]
    [InlineData("""{"type":"response.create","model":"m","input":"hi","tools":{}}""", "invalid_type", "tools")]
    [InlineData("""{"type":"response.create","model":"m","input":"hi","store":"no"}""", "invalid_type", "store")]
    [InlineData("""{"type":"response.create","model":"m","input":"hi","max_output_tokens":0}""", "invalid_type", "max_output_tokens")]
    [InlineData("""{"type":"response.create","model":"m","input":"hi","generate":"no"}""", "invalid_type", "generate")]
    [InlineData("""{"type":"response.create","model":"m","input":"hi","stream_id":7}""", "invalid_type", "stream_id")]
    public async Task Invalid_events_get_an_error_and_the_connection_stays_usable(string message, string code, string? param)
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendTextAsync(message);
        JsonElement error = (await client.ReceiveResponseAsync()).Last;
        ResponseResult next = await client.CreateAsync(Requests.Create("still there?"));

        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("error").GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal("response.completed", next.Types.Last());
        Assert.Equal(1, server.Counters.Errors);
    }

    [Fact]
    public async Task Unknown_fields_and_unknown_input_items_are_tolerated()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        JsonObject request = Requests.Create(Requests.Items(
            new JsonObject { ["type"] = "reasoning", ["id"] = "rs_1", ["summary"] = new JsonArray(), ["encrypted_content"] = "gAAAAB-opaque" },
            new JsonObject { ["role"] = "user", ["content"] = "untyped message tools:1" },
            new JsonObject { ["type"] = "item_from_the_future", ["payload"] = new JsonObject { ["x"] = 1 } }),
            tools: Requests.WeatherTools());
        request["stream"] = true;
        request["background"] = false;
        request["include"] = new JsonArray("reasoning.encrypted_content");
        request["metadata"] = new JsonObject { ["run"] = "t1" };
        request["some_new_field"] = new JsonObject { ["nested"] = new JsonArray(1, 2) };
        request["tools"]!.AsArray().Add(new JsonObject { ["type"] = "web_search_preview", ["extra"] = true });
        ResponseResult result = await client.CreateAsync(request);

        Assert.False(result.IsError, result.Last.GetRawText());
        Assert.Single(result.FunctionCalls);
        Assert.Equal("t1", result.Response.GetProperty("metadata").GetProperty("run").GetString());
        Assert.Equal(3, result.Response.GetProperty("tools").GetArrayLength());
    }

    [Fact]
    public async Task A_message_over_the_size_limit_gets_an_error_and_a_close()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { MaxMessageBytes = 64 * 1024 }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendFragmentedAsync(Requests.Create(new string('a', 100_000)).ToJsonString(), frames: 4);
        JsonElement? error = await client.ReceiveEventAsync();
        JsonElement? afterError = await client.ReceiveEventAsync();

        Assert.Equal("message_too_large", error?.GetProperty("error").GetProperty("code").GetString());
        Assert.Null(afterError);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, client.CloseStatus);
    }
}
