using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary><see cref="EmulatorOptions.EmitReasoning"/>: opaque reasoning items, as clients must carry them through a full resend.</summary>
public sealed class ReasoningTests
{
    [Fact]
    public async Task Reasoning_items_carry_encrypted_content_only_when_included()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { EmitReasoning = true }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult plain = await client.CreateAsync(Requests.Create("hello"));
        ResponseResult included = await client.CreateAsync(IncludingReasoning(Requests.Create("hello")));

        Assert.Equal(["reasoning", "message"], plain.Output.Select(item => item.GetProperty("type").GetString()));
        Assert.False(plain.Output[0].TryGetProperty("encrypted_content", out _));
        Assert.StartsWith("emu1.", included.Output[0].GetProperty("encrypted_content").GetString());
        Assert.True(included.Usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task A_full_resend_with_reasoning_intact_is_accepted_and_an_altered_one_is_refused()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { EmitReasoning = true }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        JsonObject user = Requests.UserMessage("tools:1");
        ResponseResult first = await client.CreateAsync(IncludingReasoning(Requests.Create(Requests.Items(user.DeepClone()), tools: Requests.WeatherTools())));
        JsonNode[] outputs = [.. first.OutputAsInput];
        string callId = first.FunctionCalls[0].GetProperty("call_id").GetString()!;
        JsonArray Resend(JsonNode[] items) => Requests.Items([user.DeepClone(), .. items.Select(i => i.DeepClone()), Requests.FunctionOutput(callId)]);
        ResponseResult intact = await client.CreateAsync(IncludingReasoning(Requests.Create(Resend(outputs), tools: Requests.WeatherTools())));
        string sealedContent = outputs[0]["encrypted_content"]!.GetValue<string>();
        outputs[0]["encrypted_content"] = sealedContent[..^1] + (sealedContent[^1] == '0' ? '1' : '0');
        ResponseResult altered = await client.CreateAsync(IncludingReasoning(Requests.Create(Resend(outputs), tools: Requests.WeatherTools())));

        Assert.False(intact.IsError, intact.Last.GetRawText());
        Assert.Contains("calls=1 outputs=1 missing=0 duplicates=0", intact.Text);
        Assert.Equal("invalid_encrypted_content", altered.ErrorCode);
        Assert.Equal("input[1].encrypted_content", altered.Last.GetProperty("error").GetProperty("param").GetString());
    }

    private static JsonObject IncludingReasoning(JsonObject request)
    {
        request["include"] = new JsonArray("reasoning.encrypted_content");
        return request;
    }
}
