using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

public sealed class EventStreamTests
{
    [Fact]
    public async Task Every_lifecycle_event_echoes_the_requests_tools_as_raw_utf8()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
        JsonArray tools = Requests.WeatherTools();
        tools[0]!["description"] = "Température <°C> & \"quoted\"";

        ResponseResult result = await client.CreateAsync(Requests.Create("Hello there, emulator", tools: tools));

        JsonElement[] lifecycle = [.. result.Events.Where(e => e.TryGetProperty("response", out _))];
        Assert.Equal(["response.created", "response.in_progress", "response.completed"], lifecycle.Select(e => e.GetProperty("type").GetString()));
        foreach (JsonElement e in lifecycle)
        {
            JsonElement echoed = e.GetProperty("response").GetProperty("tools");
            Assert.True(JsonNode.DeepEquals(tools, JsonNode.Parse(echoed.GetRawText())), echoed.GetRawText());
            // Written as the rest of the event: compact, non-ASCII and HTML characters unescaped, quotes escaped.
            Assert.Contains("\"description\":\"Température <°C> & \\\"quoted\\\"\"", echoed.GetRawText());
            Assert.DoesNotContain("\": ", echoed.GetRawText());
            Assert.DoesNotContain("\n", echoed.GetRawText());
        }
    }

    [Fact]
    public async Task Text_answer_streams_events_in_order_with_consecutive_sequence_numbers()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult result = await client.CreateAsync(Requests.Create("Hello there, emulator"));

        string[] types = [.. result.Types];
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], types[..4]);
        Assert.Equal(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"], types[^4..]);
        string[] deltas = types[4..^4];
        Assert.True(deltas.Length >= 2, "the text should arrive in several deltas");
        Assert.All(deltas, type => Assert.Equal("response.output_text.delta", type));
        AssertSequenceNumbers(result);

        JsonElement created = result.Events[0].GetProperty("response");
        Assert.Equal("in_progress", created.GetProperty("status").GetString());
        Assert.Equal(0, created.GetProperty("output").GetArrayLength());
        Assert.Equal(result.Id, created.GetProperty("id").GetString());

        JsonElement response = result.Response;
        Assert.StartsWith("resp_", result.Id);
        Assert.Equal("response", response.GetProperty("object").GetString());
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.Equal(Requests.Model, response.GetProperty("model").GetString());
        Assert.Equal("You are a test assistant.", response.GetProperty("instructions").GetString());
        Assert.False(response.GetProperty("store").GetBoolean());
        Assert.Equal(JsonValueKind.Null, response.GetProperty("previous_response_id").ValueKind);
        Assert.InRange(response.GetProperty("created_at").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());

        JsonElement message = Assert.Single(result.Output);
        Assert.StartsWith("msg_", message.GetProperty("id").GetString());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("completed", message.GetProperty("status").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        JsonElement part = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", part.GetProperty("type").GetString());
        Assert.Equal(0, part.GetProperty("annotations").GetArrayLength());
        Assert.Contains("Hello there, emulator", result.Text);

        string streamed = string.Concat(result.Events.Where(e => e.GetProperty("type").GetString() == "response.output_text.delta").Select(e => e.GetProperty("delta").GetString()));
        Assert.Equal(result.Text, streamed);
        JsonElement textDone = result.Events.Single(e => e.GetProperty("type").GetString() == "response.output_text.done");
        Assert.Equal(result.Text, textDone.GetProperty("text").GetString());
        Assert.All(result.Events.Where(e => e.TryGetProperty("item_id", out _)), e => Assert.Equal(message.GetProperty("id").GetString(), e.GetProperty("item_id").GetString()));

        JsonElement usage = result.Usage;
        Assert.True(usage.GetProperty("input_tokens").GetInt32() > 0);
        Assert.True(usage.GetProperty("output_tokens").GetInt32() > 0);
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32() + usage.GetProperty("output_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Tool_call_answer_streams_each_call_as_added_argument_deltas_done()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult result = await client.CreateAsync(Requests.Create("Check the weather. tools:3", tools: Requests.WeatherTools()));

        AssertSequenceNumbers(result);
        JsonElement[] calls = result.FunctionCalls;
        Assert.Equal(3, calls.Length);
        Assert.Equal(["get_weather", "get_time", "get_weather"], calls.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(3, calls.Select(c => c.GetProperty("call_id").GetString()).Distinct().Count());

        var remaining = new Queue<string>(result.Types);
        Assert.Equal("response.created", remaining.Dequeue());
        Assert.Equal("response.in_progress", remaining.Dequeue());
        for (int index = 0; index < calls.Length; index++)
        {
            JsonElement call = calls[index];
            Assert.StartsWith("fc_", call.GetProperty("id").GetString());
            Assert.StartsWith("call_", call.GetProperty("call_id").GetString());
            Assert.Equal("completed", call.GetProperty("status").GetString());
            using (JsonDocument.Parse(call.GetProperty("arguments").GetString()!))
            {
                // Arguments must be a JSON document of their own.
            }

            Assert.Equal("response.output_item.added", remaining.Dequeue());
            Assert.Equal("response.function_call_arguments.delta", remaining.Dequeue());
            while (remaining.Peek() == "response.function_call_arguments.delta")
            {
                remaining.Dequeue();
            }

            Assert.Equal("response.function_call_arguments.done", remaining.Dequeue());
            Assert.Equal("response.output_item.done", remaining.Dequeue());

            string itemId = call.GetProperty("id").GetString()!;
            JsonElement[] itemEvents = [.. result.Events.Where(e => e.TryGetProperty("output_index", out JsonElement i) && i.GetInt32() == index)];
            JsonElement added = itemEvents[0].GetProperty("item");
            Assert.Equal("in_progress", added.GetProperty("status").GetString());
            Assert.Equal(string.Empty, added.GetProperty("arguments").GetString());
            string streamed = string.Concat(itemEvents.Where(e => e.GetProperty("type").GetString() == "response.function_call_arguments.delta").Select(e => e.GetProperty("delta").GetString()));
            Assert.Equal(call.GetProperty("arguments").GetString(), streamed);
            Assert.Equal(call.GetProperty("arguments").GetString(), itemEvents.Single(e => e.GetProperty("type").GetString() == "response.function_call_arguments.done").GetProperty("arguments").GetString());
            Assert.All(itemEvents.Where(e => e.TryGetProperty("item_id", out _)), e => Assert.Equal(itemId, e.GetProperty("item_id").GetString()));
            Assert.Equal(call.GetRawText(), itemEvents[^1].GetProperty("item").GetRawText());
        }

        Assert.Equal("response.completed", remaining.Dequeue());
        Assert.Empty(remaining);
    }

    [Fact]
    public async Task A_second_request_waits_for_the_first_response_to_complete()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { TokenLatency = TimeSpan.FromMilliseconds(5) }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.Create("first request with several words to stream slowly"));
        await client.SendAsync(Requests.Create("second request"));
        ResponseResult first = await client.ReceiveResponseAsync();
        ResponseResult second = await client.ReceiveResponseAsync();

        Assert.Equal("response.completed", first.Types.Last());
        Assert.Single(first.Types, type => type == "response.created");
        Assert.Contains("first request", first.Text);
        Assert.Equal("response.created", second.Types.First());
        Assert.Contains("second request", second.Text);
        Assert.All(second.Events, e => Assert.NotEqual(first.Id, e.TryGetProperty("response", out JsonElement r) ? r.GetProperty("id").GetString() : null));
        Assert.Equal(0, second.Events[0].GetProperty("sequence_number").GetInt32());
    }

    [Fact]
    public async Task A_message_fragmented_over_several_frames_is_assembled()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        string text = "fragmented " + new string('x', 40_000);
        await client.SendFragmentedAsync(Requests.Create(text).ToJsonString(), frames: 7);
        ResponseResult result = await client.ReceiveResponseAsync();

        Assert.False(result.IsError);
        Assert.Contains("fragmented xxx", result.Text);
        Assert.True(result.Usage.GetProperty("input_tokens").GetInt32() >= 10_000);
    }

    [Fact]
    public async Task Model_latency_delays_the_first_output_item()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        TimeSpan latency = TimeSpan.FromMilliseconds(300);
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = latency }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        ResponseResult result = await client.CreateAsync(Requests.Create("hello"));

        Assert.True(clock.Elapsed >= latency, $"completed after {clock.Elapsed}");
        Assert.Equal("response.completed", result.Types.Last());
    }

    [Fact]
    public async Task Response_created_and_in_progress_are_sent_before_the_model_latency()
    {
        // A latency far beyond the test's own time limit: had the server held the first events back
        // until the model "answers", this test would time out instead of receiving them.
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = TimeSpan.FromMinutes(10) }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.Create("hello"));
        JsonElement? created = await client.ReceiveEventAsync();
        JsonElement? inProgress = await client.ReceiveEventAsync();

        Assert.Equal("response.created", created?.GetProperty("type").GetString());
        Assert.Equal("response.in_progress", inProgress?.GetProperty("type").GetString());
    }

    private static void AssertSequenceNumbers(ResponseResult result) =>
        Assert.Equal(Enumerable.Range(0, result.Events.Count), result.Events.Select(e => e.GetProperty("sequence_number").GetInt32()));
}
