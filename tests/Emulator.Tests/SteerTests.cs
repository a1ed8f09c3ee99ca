using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>
/// <c>response.steer</c>: accepted into a running response and committed by an automatic successor (the response ending
/// <c>incomplete</c> as <c>steered</c> at an output boundary, or completing first), left pending behind tool calls, or
/// refused with its reason.
/// </summary>
public sealed class SteerTests
{
    // The model latency keeps the response running while the test steers it; a steer answers
    // response.created over loopback in milliseconds, so seconds leave a wide margin on a loaded machine.
    private static readonly TimeSpan SteeringWindow = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Steering_a_response_before_its_text_ends_it_incomplete_as_steered_and_an_automatic_successor_continues()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = SteeringWindow }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.Create("first question"));
        JsonElement created = (await client.ReceiveEventAsync())!.Value;
        string target = created.GetProperty("response").GetProperty("id").GetString()!;
        await client.SendAsync(Steer(target, "actually, answer this instead"));
        List<JsonElement> events = await ReceiveUntilAsync(client, completedResponses: 2);

        JsonElement accepted = events.Single(e => Type(e) == "response.steer.accepted");
        Assert.Equal(target, accepted.GetProperty("steer").GetProperty("previous_response_id").GetString());
        Assert.StartsWith("steer_", accepted.GetProperty("steer").GetProperty("id").GetString());
        JsonElement steered = events.Single(e => Type(e) == "response.incomplete").GetProperty("response");
        Assert.Equal(target, steered.GetProperty("id").GetString());
        Assert.Equal("steered", steered.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Empty(steered.GetProperty("output").EnumerateArray());
        // The acceptance comes before the commit point, the successor's response.created.
        Assert.True(events.IndexOf(accepted) < events.FindLastIndex(e => Type(e) == "response.created"));
        JsonElement successor = events.Last(e => Type(e) == "response.completed").GetProperty("response");
        Assert.Equal(target, successor.GetProperty("previous_response_id").GetString());
        Assert.Contains("actually, answer this instead", successor.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(1, server.Counters.SteersAccepted);
    }

    [Fact]
    public async Task Steering_a_response_whose_text_already_streams_lets_it_complete_and_an_automatic_successor_follows()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { TokenLatency = TimeSpan.FromMilliseconds(300) }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.Create("please answer with quite a few words so that the text streams for a while"));
        var events = new List<JsonElement>();
        while (events.Count == 0 || Type(events[^1]) != "response.output_text.delta")
        {
            events.Add((await client.ReceiveEventAsync())!.Value);
        }

        string target = events[0].GetProperty("response").GetProperty("id").GetString()!;
        await client.SendAsync(Steer(target, "and now something else"));
        events.AddRange(await ReceiveUntilAsync(client, completedResponses: 2));

        JsonElement first = events.First(e => Type(e) == "response.completed").GetProperty("response");
        JsonElement successor = events.Last(e => Type(e) == "response.completed").GetProperty("response");
        Assert.Equal(target, first.GetProperty("id").GetString());
        Assert.Contains("quite a few words", first.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(target, successor.GetProperty("previous_response_id").GetString());
        Assert.Contains("and now something else", successor.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.DoesNotContain(events, e => Type(e) == "response.incomplete");
    }

    [Fact]
    public async Task A_model_without_steering_refuses_it_and_the_response_ends_with_no_successor()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var options = new EmulatorOptions { ModelLatency = SteeringWindow, ModelsWithoutSteering = new HashSet<string> { Requests.Model } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(options, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.OnLane(Requests.Create("first question"), "lane-a"));
        string target = (await client.ReceiveEventAsync())!.Value.GetProperty("response").GetProperty("id").GetString()!;
        await client.SendAsync(Steer(target, "steer me"));
        List<JsonElement> events = await ReceiveUntilAsync(client, completedResponses: 1);

        JsonElement failed = events.Single(e => Type(e) == "response.steer.failed");
        Assert.Equal("steering_not_supported", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("lane-a", failed.GetProperty("stream_id").GetString());
        Assert.Equal(target, failed.GetProperty("steer").GetProperty("previous_response_id").GetString());
        Assert.Equal("steer me", failed.GetProperty("steer").GetProperty("input").GetString());
        Assert.Equal(1, server.Counters.SteersFailed);
        Assert.Equal(0, server.Counters.SteersAccepted);
        // No successor: the next event on the connection answers the next request.
        ResponseResult next = await client.CreateAsync(Requests.OnLane(Requests.Create("next", previousResponseId: target), "lane-a"));
        Assert.Equal(target, next.Response.GetProperty("previous_response_id").GetString());
    }

    [Fact]
    public async Task Steering_past_the_pending_limit_fails_with_too_many_pending_steers()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = SteeringWindow }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.Create("first question"));
        string target = (await client.ReceiveEventAsync())!.Value.GetProperty("response").GetProperty("id").GetString()!;
        for (int i = 0; i <= ActiveResponse.MaxSteers; i++)
        {
            await client.SendAsync(Steer(target, $"steer {i}"));
        }

        List<JsonElement> events = await ReceiveUntilAsync(client, completedResponses: 2);

        Assert.Equal(ActiveResponse.MaxSteers, events.Count(e => Type(e) == "response.steer.accepted"));
        JsonElement failed = events.Single(e => Type(e) == "response.steer.failed");
        Assert.Equal("too_many_pending_steers", failed.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Steering_behind_tool_calls_stays_pending_and_joins_the_explicit_continuation()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = SteeringWindow }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.Create("tools:2", tools: Requests.WeatherTools()));
        string target = (await client.ReceiveEventAsync())!.Value.GetProperty("response").GetProperty("id").GetString()!;
        await client.SendAsync(Steer(target, "also check Oslo"));
        List<JsonElement> events = await ReceiveUntilAsync(client, completedResponses: 1, then: "response.steer.pending");
        JsonElement pending = events[^1];
        string[] callIds = [.. pending.GetProperty("required_input").EnumerateArray().Select(stub => stub.GetProperty("call_id").GetString()!)];
        ResponseResult next = await client.CreateAsync(Requests.Create(Requests.Items(callIds.Select(id => Requests.FunctionOutput(id))), previousResponseId: target, tools: Requests.WeatherTools()));

        Assert.Equal(2, callIds.Length);
        Assert.Equal("waiting_for_required_input", pending.GetProperty("reason").GetString());
        Assert.False(next.IsError, next.Last.GetRawText());
        Assert.Contains("also check Oslo", next.Text);
    }

    [Fact]
    public async Task Steering_an_unknown_or_finished_response_fails_with_its_reason()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult done = await client.CreateAsync(Requests.Create("hello"));
        await client.SendAsync(Steer(done.Id, "too late"));
        JsonElement late = (await client.ReceiveEventAsync())!.Value;
        await client.SendAsync(Steer("resp_unknown", "where?"));
        JsonElement unknown = (await client.ReceiveEventAsync())!.Value;

        Assert.Equal("response.steer.failed", Type(late));
        Assert.Equal("response_already_completed", late.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("response_not_found", unknown.GetProperty("error").GetProperty("code").GetString());
    }

    private static JsonObject Steer(string responseId, string text) => new()
    {
        ["type"] = "response.steer",
        ["previous_response_id"] = responseId,
        ["input"] = text,
    };

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!;

    private static async Task<List<JsonElement>> ReceiveUntilAsync(TestClient client, int completedResponses, string? then = null)
    {
        var events = new List<JsonElement>();
        int completed = 0;
        while (true)
        {
            JsonElement next = await client.ReceiveEventAsync() ?? throw new InvalidOperationException("closed");
            events.Add(next);
            completed += Type(next) is "response.completed" or "response.incomplete" ? 1 : 0;
            if (completed >= completedResponses && (then is null || Type(next) == then))
            {
                return events;
            }
        }
    }
}
