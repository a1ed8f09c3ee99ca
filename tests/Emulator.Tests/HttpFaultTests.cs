using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Orchestrator.Emulator.Tests;

public sealed class HttpFaultTests
{
    [Fact]
    public async Task Refused_websockets_get_426_until_switched_back_while_http_keeps_answering()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { RefuseWebSockets = true }, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(server.ResponsesUrl, timeout.Token));
        ResponseResult overHttp = await http.StreamAsync(Requests.Create("hello"));
        server.RefuseWebSockets = false;
        await using TestClient accepted = await TestClient.ConnectAsync(server, timeout.Token);
        ResponseResult overSocket = await accepted.CreateAsync(Requests.Create("hello"));
        server.RefuseWebSockets = true;
        using var refusedAgain = new ClientWebSocket();
        refusedAgain.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refusedAgain.ConnectAsync(server.ResponsesUrl, timeout.Token));
        ResponseResult stillOpen = await accepted.CreateAsync(Requests.Create("the open connection stays"));

        Assert.Equal(HttpStatusCode.UpgradeRequired, refused.HttpStatusCode);
        Assert.Equal(HttpStatusCode.UpgradeRequired, refusedAgain.HttpStatusCode);
        Assert.Equal("response.completed", overHttp.Types.Last());
        Assert.False(overSocket.IsError);
        Assert.False(stillOpen.IsError);
        Assert.Equal(2, server.Counters.WebSocketsRefused);
        Assert.Equal(1, server.Counters.Connections);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(405)]
    public async Task Refused_websockets_get_the_configured_status(int status)
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { RefuseWebSockets = true, WebSocketRefusalStatus = status }, timeout.Token);

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(server.ResponsesUrl, timeout.Token));

        Assert.Equal((HttpStatusCode)status, refused.HttpStatusCode);
        Assert.Equal(1, server.Counters.WebSocketsRefused);
    }

    [Fact]
    public async Task Only_426_404_and_405_refuse_an_upgrade()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { WebSocketRefusalStatus = 500 }, timeout.Token));
    }

    [Fact]
    public async Task A_stream_cut_after_k_events_delivers_those_and_ends_without_a_terminal_event()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { DropHttpStreamAfter = new Dictionary<long, int> { [2] = 5 } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        ResponseResult whole = await http.StreamAsync(Requests.Create("Find the weather. tools:2", tools: Requests.WeatherTools()));
        using HttpResponseMessage cut = await http.PostAsync(Requests.Create("Find the weather. tools:2", tools: Requests.WeatherTools()), stream: true);
        var seen = new List<string>();
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await foreach (JsonElement next in http.ReadEventsAsync(cut))
            {
                seen.Add(next.GetProperty("type").GetString()!);
            }
        });
        ResponseResult after = await http.StreamAsync(Requests.Create("Find the weather. tools:2", tools: Requests.WeatherTools()));

        Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
        Assert.Equal(whole.Types.Take(5), seen);
        Assert.Equal("response.completed", after.Types.Last());
        Assert.Equal(1, server.Counters.FaultsInjected);
    }

    [Fact]
    public async Task A_hung_response_over_http_stays_open_until_the_client_gives_up()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1 } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        HttpResponseMessage hung = await http.PostAsync(Requests.Create("hello"), stream: true);
        var seen = new List<string>();
        await using (IAsyncEnumerator<JsonElement> events = http.ReadEventsAsync(hung).GetAsyncEnumerator(timeout.Token))
        {
            for (int i = 0; i < 2; i++)
            {
                Assert.True(await events.MoveNextAsync());
                seen.Add(events.Current.GetProperty("type").GetString()!);
            }

            Assert.Equal(1, server.Counters.HangsOpen);
            hung.Dispose();
        }

        await Eventually.UntilAsync(() => server.Counters.HangsOpen == 0, timeout.Token);
        Assert.Equal(["response.created", "response.in_progress"], seen);
        Assert.Equal(1, server.Counters.HangsInjected);
    }

    [Fact]
    public async Task Dispose_ends_a_hung_http_stream_promptly()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1 } };
        EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);
        using HttpResponseMessage hung = await http.PostAsync(Requests.Create("hello"), stream: true);
        await using IAsyncEnumerator<JsonElement> events = http.ReadEventsAsync(hung).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.True(await events.MoveNextAsync());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();

        Assert.False(await events.MoveNextAsync());
        Assert.Equal(0, server.Counters.HangsOpen);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"dispose took {clock.Elapsed}");
    }

    [Fact]
    public async Task The_model_latency_applies_to_the_http_stream()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        TimeSpan latency = TimeSpan.FromMilliseconds(200);
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = latency }, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        ResponseResult result = await http.StreamAsync(Requests.Create("hello"));

        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) >= latency);
        Assert.Equal("response.completed", result.Types.Last());
    }
}
