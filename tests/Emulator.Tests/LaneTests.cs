using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary><c>stream_id</c> lanes: FIFO per lane, concurrent across lanes, bounded per connection.</summary>
public sealed class LaneTests
{
    [Fact]
    public async Task Every_event_echoes_its_stream_id()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult text = await client.CreateAsync(Requests.OnLane(Requests.Create("hello"), "a"));
        ResponseResult calls = await client.CreateAsync(Requests.OnLane(Requests.Create("tools:2", tools: Requests.WeatherTools()), "b"));
        ResponseResult plain = await client.CreateAsync(Requests.Create("hello"));

        Assert.All(text.Events, e => Assert.Equal("a", e.GetProperty("stream_id").GetString()));
        Assert.All(calls.Events, e => Assert.Equal("b", e.GetProperty("stream_id").GetString()));
        Assert.All(plain.Events, e => Assert.False(e.TryGetProperty("stream_id", out _)));
    }

    [Fact]
    public async Task A_lane_does_not_wait_for_another_lanes_response()
    {
        // Lane a's response waits out a model latency far beyond the test's time limit; generate:false
        // on lane b has no model latency, so it completes only if the lanes really run side by side.
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = TimeSpan.FromMinutes(10) }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.OnLane(Requests.Create("slow"), "a"));
        JsonObject prepare = Requests.OnLane(Requests.Create("fast"), "b");
        prepare["generate"] = false;
        await client.SendAsync(prepare);
        Dictionary<string, List<JsonElement>> byLane = await ReceiveUntilCompletedAsync(client, lanes: 1);

        Assert.Equal("response.completed", byLane["b"][^1].GetProperty("type").GetString());
        Assert.Equal(["response.created", "response.in_progress"], byLane["a"].Select(e => e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task A_lane_runs_its_requests_in_order_and_any_lane_continues_from_another_lanes_latest()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult onA = await client.CreateAsync(Requests.OnLane(Requests.Create("first on a"), "a"));
        ResponseResult onB = await client.CreateAsync(Requests.OnLane(Requests.Create("first on b"), "b"));
        ResponseResult forked = await client.CreateAsync(Requests.OnLane(Requests.Create("fork of a", previousResponseId: onA.Id), "c"));
        ResponseResult fromB = await client.CreateAsync(Requests.OnLane(Requests.Create("more on b", previousResponseId: onB.Id), "b"));

        Assert.False(forked.IsError, "lane a's latest is still cached after lane b answered");
        Assert.Equal("c", forked.Last.GetProperty("stream_id").GetString());
        Assert.False(fromB.IsError);
        await client.SendAsync(Requests.OnLane(Requests.Create("one"), "q"));
        await client.SendAsync(Requests.OnLane(Requests.Create("two"), "q"));
        Dictionary<string, List<JsonElement>> queued = await ReceiveUntilCompletedAsync(client, lanes: 1, responsesPerLane: 2);
        string[] order = [.. queued["q"].Where(e => e.GetProperty("type").GetString() == "response.completed").Select(e => e.GetProperty("response").GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString()!)];
        Assert.Contains("one", order[0]);
        Assert.Contains("two", order[1]);
    }

    [Fact]
    public async Task More_than_16_in_flight_or_32_lanes_get_websocket_stream_limit_reached()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = TimeSpan.FromSeconds(30) }, timeout.Token);
        await using TestClient busy = await TestClient.ConnectAsync(server, timeout.Token);

        for (int i = 0; i < 16; i++)
        {
            await busy.SendAsync(Requests.Create($"queued {i}"));
        }

        await busy.SendAsync(Requests.OnLane(Requests.Create("one too many"), "extra"));
        JsonElement inFlight = await NextNonResponseEventAsync(busy);

        Assert.Equal("websocket_stream_limit_reached", inFlight.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("extra", inFlight.GetProperty("stream_id").GetString());
        Assert.Equal(1, server.Counters.StreamLimitsReached);
    }

    [Fact]
    public async Task A_request_sent_on_a_terminal_event_finds_its_place_free_at_the_in_flight_limit()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        const int Limit = 16;
        const int Total = 64;
        for (int i = 0; i < Limit; i++)
        {
            await client.SendAsync(Requests.Create($"request {i}"));
        }

        int sent = Limit;
        int completed = 0;
        while (completed < Total)
        {
            JsonElement next = await client.ReceiveEventAsync() ?? throw new InvalidOperationException("closed");
            Assert.NotEqual("error", next.GetProperty("type").GetString());
            if (next.GetProperty("type").GetString() == "response.completed")
            {
                completed++;
                if (sent < Total)
                {
                    await client.SendAsync(Requests.Create($"request {sent++}"));
                }
            }
        }

        Assert.Equal(0, server.Counters.StreamLimitsReached);
    }

    [Fact]
    public async Task The_33rd_lane_of_a_connection_is_refused()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        for (int lane = 0; lane < 32; lane++)
        {
            Assert.False((await client.CreateAsync(Requests.OnLane(Requests.Create("hi"), $"lane-{lane}"))).IsError);
        }

        ResponseResult refused = await client.CreateAsync(Requests.OnLane(Requests.Create("hi"), "lane-32"));
        ResponseResult reused = await client.CreateAsync(Requests.OnLane(Requests.Create("hi"), "lane-0"));

        Assert.Equal("websocket_stream_limit_reached", refused.ErrorCode);
        Assert.Equal("lane-32", refused.Last.GetProperty("stream_id").GetString());
        Assert.False(reused.IsError);
    }

    [Fact]
    public async Task Traffic_records_the_lane()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.CreateAsync(Requests.OnLane(Requests.Create("hi"), "lane-x"));
        await client.CreateAsync(Requests.Create("hi"));

        Assert.Equal(["lane-x", null], server.Traffic.Select(record => record.StreamId));
    }

    private static async Task<JsonElement> NextNonResponseEventAsync(TestClient client)
    {
        while (true)
        {
            JsonElement next = await client.ReceiveEventAsync() ?? throw new InvalidOperationException("closed");
            if (!next.GetProperty("type").GetString()!.StartsWith("response.", StringComparison.Ordinal))
            {
                return next;
            }
        }
    }

    private static async Task<Dictionary<string, List<JsonElement>>> ReceiveUntilCompletedAsync(TestClient client, int lanes, int responsesPerLane = 1)
    {
        var byLane = new Dictionary<string, List<JsonElement>>();
        int completed = 0;
        while (completed < lanes * responsesPerLane)
        {
            JsonElement next = await client.ReceiveEventAsync() ?? throw new InvalidOperationException("closed");
            string lane = next.GetProperty("stream_id").GetString()!;
            string type = next.GetProperty("type").GetString()!;
            if (!byLane.TryGetValue(lane, out List<JsonElement>? events))
            {
                byLane[lane] = events = [];
            }

            events.Add(next);
            completed += type == "response.completed" ? 1 : 0;
        }

        return byLane;
    }
}
