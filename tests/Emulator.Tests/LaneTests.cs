using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary><c>stream_id</c> lanes: FIFO per lane, concurrent across lanes, each with its own latest response; 16 run per connection, more wait.</summary>
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
    public async Task Each_lane_keeps_its_own_latest_response()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult a1 = await client.CreateAsync(Requests.OnLane(Requests.Create("a one"), "a"));
        ResponseResult b1 = await client.CreateAsync(Requests.OnLane(Requests.Create("b one"), "b"));
        ResponseResult d1 = await client.CreateAsync(Requests.Create("default one"));
        ResponseResult a2 = await client.CreateAsync(Requests.OnLane(Requests.Create("a two", previousResponseId: a1.Id), "a"));
        ResponseResult b2 = await client.CreateAsync(Requests.OnLane(Requests.Create("b two", previousResponseId: b1.Id), "b"));
        ResponseResult d2 = await client.CreateAsync(Requests.Create("default two", previousResponseId: d1.Id));
        ResponseResult a1Again = await client.CreateAsync(Requests.OnLane(Requests.Create("a from one", previousResponseId: a1.Id), "a"));
        ResponseResult a3 = await client.CreateAsync(Requests.OnLane(Requests.Create("a three", previousResponseId: a2.Id), "a"));
        ResponseResult b3 = await client.CreateAsync(Requests.OnLane(Requests.Create("b three", previousResponseId: b2.Id), "b"));
        ResponseResult d3 = await client.CreateAsync(Requests.Create("default three", previousResponseId: d2.Id));

        Assert.All([a2, b2, d2], r => Assert.Equal("response.completed", r.Last.GetProperty("type").GetString()));
        Assert.Equal("previous_response_not_found", a1Again.ErrorCode);
        Assert.All([a3, b3, d3], r => Assert.Equal("response.completed", r.Last.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task A_17th_response_waits_for_a_running_place_instead_of_being_refused()
    {
        // Each response takes the model latency; the 17th on its own lane can start only once one of the first 16
        // ends, so it completes at least two latencies after the first was sent.
        TimeSpan latency = TimeSpan.FromMilliseconds(500);
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = latency }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i <= ConnectionSession.MaxInFlight; i++)
        {
            await client.SendAsync(Requests.OnLane(Requests.Create($"request {i}"), $"lane-{i}"));
        }

        Dictionary<string, List<JsonElement>> byLane = await ReceiveUntilCompletedAsync(client, lanes: ConnectionSession.MaxInFlight + 1);
        TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        Assert.All(byLane.Values, events => Assert.Equal("response.completed", events[^1].GetProperty("type").GetString()));
        Assert.True(elapsed >= 2 * latency, $"the 17th ran before a place was free: all done after {elapsed}");
        Assert.Equal(0, server.Counters.ResponsesWaiting);
        Assert.Equal(0, server.Counters.StreamLimitsReached);
    }

    [Fact]
    public async Task Requests_beyond_the_queue_bound_get_websocket_queue_limit_reached()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { HangOnRequests = Enumerable.Range(1, ConnectionSession.MaxInFlight).Select(n => (long)n).ToHashSet() };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults, MaxQueuedResponses = 2 }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        for (int i = 0; i < ConnectionSession.MaxInFlight + 2; i++)
        {
            await client.SendAsync(Requests.OnLane(Requests.Create($"request {i}"), $"lane-{i}"));
        }

        await Eventually.UntilAsync(() => server.Counters.ResponsesQueued == 2, timeout.Token);
        await client.SendAsync(Requests.OnLane(Requests.Create("one too many"), "extra"));
        JsonElement refused = await NextNonResponseEventAsync(client);

        Assert.Equal(400, refused.GetProperty("status").GetInt32());
        Assert.Equal("websocket_queue_limit_reached", refused.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("extra", refused.GetProperty("stream_id").GetString());
        Assert.Equal(1, server.Counters.QueueLimitsReached);
        Assert.Equal(2, server.Counters.ResponsesWaiting);
        Assert.Equal(ConnectionSession.MaxInFlight, server.Counters.HangsOpen);
    }

    [Fact]
    public async Task A_request_sent_on_a_terminal_event_finds_its_place_free_at_the_in_flight_limit()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        const int limit = 16;
        const int total = 64;
        for (int i = 0; i < limit; i++)
        {
            await client.SendAsync(Requests.Create($"request {i}"));
        }

        int sent = limit;
        int completed = 0;
        while (completed < total)
        {
            JsonElement next = await client.ReceiveEventAsync() ?? throw new InvalidOperationException("closed");
            Assert.NotEqual("error", next.GetProperty("type").GetString());
            if (next.GetProperty("type").GetString() == "response.completed")
            {
                completed++;
                if (sent < total)
                {
                    await client.SendAsync(Requests.Create($"request {sent++}"));
                }
            }
        }

        Assert.Equal(0, server.Counters.StreamLimitsReached);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/not-allowed")]
    [InlineData("ünicode")]
    public async Task A_malformed_stream_id_gets_invalid_stream_id(string streamId)
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult refused = await client.CreateAsync(Requests.OnLane(Requests.Create("hi"), streamId));

        Assert.Equal("invalid_stream_id", refused.ErrorCode);
        Assert.Equal(400, refused.Last.GetProperty("status").GetInt32());
        Assert.Equal(streamId, refused.Last.GetProperty("stream_id").GetString());
    }

    [Fact]
    public async Task A_stream_id_of_256_allowed_characters_is_accepted_and_257_is_refused()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
        string longest = string.Concat(Enumerable.Repeat("aZ9_.-", 43))[..256];

        ResponseResult accepted = await client.CreateAsync(Requests.OnLane(Requests.Create("hi"), longest));
        ResponseResult refused = await client.CreateAsync(Requests.OnLane(Requests.Create("hi"), longest + "x"));

        Assert.Equal("response.completed", accepted.Last.GetProperty("type").GetString());
        Assert.Equal(longest, accepted.Last.GetProperty("stream_id").GetString());
        Assert.Equal("invalid_stream_id", refused.ErrorCode);
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
        Assert.Equal(400, refused.Last.GetProperty("status").GetInt32());
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
