using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Orchestrator.Emulator.Tests;

/// <summary>Each fault of <see cref="EmulatorFaults"/>, as a client sees it on the wire.</summary>
public sealed class FaultInjectionTests
{
    [Fact]
    public async Task The_kth_request_is_dropped_mid_stream_without_a_close_frame()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { DropOnRequests = new HashSet<long> { 2 } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult first = await client.CreateAsync(Requests.Create("one"));
        await client.SendAsync(Requests.Create("two", previousResponseId: first.Id));
        var seen = new List<string>();
        WebSocketException dropped = await Assert.ThrowsAsync<WebSocketException>(async () =>
        {
            while (true)
            {
                JsonElement next = await client.ReceiveEventAsync() ?? throw new InvalidOperationException("a close frame arrived");
                seen.Add(next.GetProperty("type").GetString()!);
            }
        });

        Assert.False(first.IsError);
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added"], seen);
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, dropped.WebSocketErrorCode);
        Assert.Equal(1, server.Counters.FaultsInjected);
    }

    [Fact]
    public void Drop_probability_is_reproducible_from_the_seed()
    {
        static long[] Dropped(int seed) => [.. Draws(new FaultPlan(new EmulatorFaults { Seed = seed, DropProbability = 0.1 }))];

        static IEnumerable<long> Draws(FaultPlan plan)
        {
            for (int i = 0; i < 2000; i++)
            {
                RequestFaults faults = plan.NextRequest();
                if (faults.Drop)
                {
                    yield return faults.Number;
                }
            }
        }

        long[] first = Dropped(7);
        long[] again = Dropped(7);
        long[] other = Dropped(8);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.InRange(first.Length, 150, 250);
    }

    [Fact]
    public async Task A_doomed_connection_is_dropped_once_at_one_of_its_first_requests()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { ConnectionDropProbability = 1 };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        int completed = 0;
        WebSocketException dropped = await Assert.ThrowsAsync<WebSocketException>(async () =>
        {
            for (int i = 0; i <= EmulatorFaults.ConnectionDropWithin; i++)
            {
                await client.CreateAsync(Requests.Create($"request {i}"));
                completed++;
            }
        });

        Assert.InRange(completed, 0, EmulatorFaults.ConnectionDropWithin - 1);
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, dropped.WebSocketErrorCode);
        Assert.Equal(1, server.Counters.FaultsInjected);
    }

    [Fact]
    public void Connection_drops_are_reproducible_from_the_seed_and_fall_within_the_first_requests()
    {
        static int[] DropPoints(int seed)
        {
            var plan = new FaultPlan(new EmulatorFaults { Seed = seed, ConnectionDropProbability = 0.1 });
            return [.. Enumerable.Range(1, 2000).Select(id => plan.DropPointOf(id))];
        }

        int[] first = DropPoints(7);

        Assert.Equal(first, DropPoints(7));
        Assert.NotEqual(first, DropPoints(8));
        Assert.InRange(first.Count(p => p > 0), 150, 250);
        Assert.All(first, p => Assert.InRange(p, 0, EmulatorFaults.ConnectionDropWithin));
        Assert.Equal(0, new FaultPlan(new EmulatorFaults { Seed = 7 }).DropPointOf(1));
    }

    [Theory]
    [InlineData(InjectedError.PreviousResponseNotFound, 400, "invalid_request_error", "previous_response_not_found")]
    [InlineData(InjectedError.RateLimitExceeded, 429, "requests", "rate_limit_exceeded")]
    [InlineData(InjectedError.ServerError, 500, "server_error", "server_error")]
    public async Task The_kth_request_is_answered_with_the_injected_error_and_evicts_the_parent_it_continued(InjectedError injected, int status, string type, string code)
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { ErrorOnRequests = new Dictionary<long, InjectedError> { [2] = injected }, RetryAfter = TimeSpan.FromMilliseconds(1500) };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult first = await client.CreateAsync(Requests.Create("one"));
        ResponseResult second = await client.CreateAsync(Requests.Create("two", previousResponseId: first.Id));
        ResponseResult third = await client.CreateAsync(Requests.Create("three", previousResponseId: first.Id));

        JsonElement error = Assert.Single(second.Events);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal(status, error.GetProperty("status").GetInt32());
        Assert.Equal(type, error.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetString());
        if (injected == InjectedError.RateLimitExceeded)
        {
            JsonElement headers = error.GetProperty("error").GetProperty("headers");
            Assert.Equal("2", headers.GetProperty("retry-after").GetString());
            Assert.Equal("1500", headers.GetProperty("retry-after-ms").GetString());
        }

        Assert.Equal("previous_response_not_found", third.ErrorCode);
        Assert.Equal(1, server.Counters.ParentsEvicted);
    }

    [Fact]
    public async Task The_kth_request_can_fail_after_it_started_with_response_failed()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { ErrorOnRequests = new Dictionary<long, InjectedError> { [1] = InjectedError.ResponseFailed } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult failed = await client.CreateAsync(Requests.Create("one"));
        ResponseResult continued = await client.CreateAsync(Requests.Create("two", previousResponseId: failed.Id));

        Assert.Equal(["response.created", "response.in_progress", "response.failed"], failed.Types);
        Assert.Equal("failed", failed.Response.GetProperty("status").GetString());
        Assert.Equal("server_error", failed.Response.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("previous_response_not_found", continued.ErrorCode);
    }

    [Fact]
    public async Task The_kth_request_carries_one_malformed_frame_and_then_completes()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { MalformedFrameOnRequests = new HashSet<long> { 1 } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.Create("one"));
        var messages = new List<string>();
        while (messages.Count == 0 || !messages[^1].Contains("\"response.completed\"", StringComparison.Ordinal))
        {
            messages.Add(await client.ReceiveTextAsync() ?? throw new InvalidOperationException("closed"));
        }

        Assert.Contains("\"response.in_progress\"", messages[1], StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(messages[2]));
        Assert.All(messages.Where((_, index) => index != 2), message => JsonDocument.Parse(message).Dispose());
    }

    [Fact]
    public async Task The_kth_connection_attempt_is_refused_with_429_and_retry_after()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { RefuseUpgrades = new HashSet<long> { 1 }, RetryAfter = TimeSpan.FromSeconds(3) };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(server.ResponsesUrl, timeout.Token));
        await using TestClient accepted = await TestClient.ConnectAsync(server, timeout.Token);
        ResponseResult result = await accepted.CreateAsync(Requests.Create("hello"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.HttpStatusCode);
        Assert.Equal("3", Assert.Single(refused.HttpResponseHeaders!["retry-after"]));
        Assert.False(result.IsError);
        Assert.Equal(1, server.Counters.UpgradesRefused);
        Assert.Equal(1, server.Counters.Connections);
    }

    [Fact]
    public async Task A_connection_at_its_age_limit_gets_websocket_connection_limit_reached_then_a_close()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { MaxConnectionAge = TimeSpan.FromMilliseconds(300) }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        JsonElement? limit = await client.ReceiveEventAsync();
        JsonElement? afterLimit = await client.ReceiveEventAsync();

        Assert.Equal("error", limit?.GetProperty("type").GetString());
        Assert.Equal("websocket_connection_limit_reached", limit?.GetProperty("error").GetProperty("code").GetString());
        Assert.Null(afterLimit);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal(1, server.Counters.ConnectionLimitsReached);
    }

    [Fact]
    public async Task Invalid_fault_options_are_refused_at_start()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { Faults = new EmulatorFaults { DropProbability = 1.5 } }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { Faults = new EmulatorFaults { ConnectionDropProbability = -0.1 } }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { MaxConnectionAge = TimeSpan.Zero }));
    }
}
