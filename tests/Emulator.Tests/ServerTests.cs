using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Orchestrator.Emulator.Tests;

public sealed class ServerTests
{
    [Fact]
    public async Task Urls_follow_the_sdk_base_url_convention()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);

        Assert.Equal("http", server.BaseUrl.Scheme);
        Assert.Equal("127.0.0.1", server.BaseUrl.Host);
        Assert.NotEqual(0, server.BaseUrl.Port);
        Assert.Equal("/v1", server.BaseUrl.AbsolutePath);
        Assert.Equal($"ws://127.0.0.1:{server.BaseUrl.Port}/v1/responses", server.ResponsesUrl.ToString());
    }

    [Theory]
    [InlineData("::1", "[::1]")]
    [InlineData("localhost", "127.0.0.1")]
    public async Task Other_loopback_hosts_are_accepted_and_serve(string host, string urlHost)
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Host = host }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult result = await client.CreateAsync(Requests.Create("hello"));

        Assert.Equal($"ws://{urlHost}:{server.BaseUrl.Port}/v1/responses", server.ResponsesUrl.ToString());
        Assert.False(result.IsError);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.168.1.10")]
    [InlineData("example.com")]
    public async Task Non_loopback_hosts_are_refused(string host)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => EmulatorServer.StartAsync(new EmulatorOptions { Host = host }));
    }

    [Fact]
    public async Task A_wrong_api_key_is_refused_with_401_and_the_right_one_is_accepted()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { RequiredApiKey = "sk-right" }, timeout.Token);

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        refused.Options.SetRequestHeader("Authorization", "Bearer sk-wrong");
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(server.ResponsesUrl, timeout.Token));
        using var anonymous = new ClientWebSocket();
        anonymous.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(server.ResponsesUrl, timeout.Token));
        await using TestClient accepted = await TestClient.ConnectAsync(server, timeout.Token, apiKey: "sk-right");
        ResponseResult result = await accepted.CreateAsync(Requests.Create("hello"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.HttpStatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.HttpStatusCode);
        Assert.False(result.IsError);
        Assert.Equal(1, server.Counters.Connections);
    }

    [Fact]
    public async Task A_plain_get_without_upgrade_is_answered_426()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        using var http = new HttpClient();

        using HttpResponseMessage response = await http.GetAsync(new Uri(server.BaseUrl + "/responses"), timeout.Token);
        using HttpResponseMessage unknown = await http.GetAsync(new Uri(server.BaseUrl + "/models"), timeout.Token);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        Assert.Equal("upgrade_required", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Traffic_is_recorded_per_client_event_in_memory_and_as_json_lines()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        string logPath = Path.Combine(Path.GetTempPath(), $"emulator-traffic-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true, TrafficLogPath = logPath }, timeout.Token))
            {
                await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
                ResponseResult first = await client.CreateAsync(Requests.Create("hello", store: null));
                await client.CreateAsync(Requests.Create(Requests.Items(Requests.UserMessage("a"), Requests.UserMessage("b")), previousResponseId: first.Id, store: false));
                await client.SendTextAsync("{nope");
                await client.ReceiveResponseAsync();

                IReadOnlyList<TrafficRecord> traffic = server.Traffic;
                Assert.Equal(3, traffic.Count);
                Assert.Equal(new TrafficRecord(traffic[0].Time, traffic[0].ConnectionId, "response.create", traffic[0].Bytes, null, 1, true), traffic[0]);
                Assert.Equal(("response.create", first.Id, 2, false), (traffic[1].Type, traffic[1].PreviousResponseId, traffic[1].InputItems, traffic[1].Store));
                Assert.Equal(TrafficRecord.MalformedType, traffic[2].Type);
                Assert.Equal(5, traffic[2].Bytes);
                Assert.All(traffic, record => Assert.Equal(traffic[0].ConnectionId, record.ConnectionId));
                Assert.Equal(2, server.Counters.Requests);
                Assert.Equal(1, server.Counters.Continuations);
                Assert.Equal(1, server.Counters.FullSends);
                Assert.Equal(1, server.Counters.Errors);
            }

            string[] lines = await File.ReadAllLinesAsync(logPath, timeout.Token);
            Assert.Equal(3, lines.Length);
            using JsonDocument second = JsonDocument.Parse(lines[1]);
            Assert.Equal("response.create", second.RootElement.GetProperty("type").GetString());
            Assert.Equal(2, second.RootElement.GetProperty("input_items").GetInt32());
            Assert.False(second.RootElement.GetProperty("store").GetBoolean());
        }
        finally
        {
            File.Delete(logPath);
        }
    }

    [Fact]
    public async Task Dispose_closes_open_connections_promptly()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
        await client.CreateAsync(Requests.Create("hello"));
        Task<JsonElement?> pending = client.ReceiveEventAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();

        Assert.Null(await pending);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.CloseStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"dispose took {clock.Elapsed}");
    }
}
