using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>A basic <c>response.steer</c>: accepted into a running response, committed by a successor or left pending behind tool calls.</summary>
public sealed class SteerTests
{
    // The model latency keeps the response running while the test steers it; a steer answers
    // response.created over loopback in milliseconds, so seconds leave a wide margin on a loaded machine.
    private static readonly TimeSpan SteeringWindow = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Steering_a_running_text_response_is_accepted_and_committed_by_an_automatic_successor()
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
        JsonElement successor = events.Last(e => Type(e) == "response.completed").GetProperty("response");
        Assert.Equal(target, successor.GetProperty("previous_response_id").GetString());
        Assert.Contains("actually, answer this instead", successor.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(1, server.Counters.SteersAccepted);
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
            completed += Type(next) == "response.completed" ? 1 : 0;
            if (completed >= completedResponses && (then is null || Type(next) == then))
            {
                return events;
            }
        }
    }
}
