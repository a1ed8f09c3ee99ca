using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>The hang fault: a response that starts and then goes silent while its socket stays open.</summary>
public sealed class HangTests
{
    [Fact]
    public async Task The_kth_response_hangs_after_in_progress_while_other_lanes_and_connections_go_on()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1 } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
        await using TestClient other = await TestClient.ConnectAsync(server, timeout.Token);

        await client.SendAsync(Requests.OnLane(Requests.Create("stuck"), "stuck"));
        JsonElement created = await NextAsync(client);
        JsonElement inProgress = await NextAsync(client);
        ResponseResult sameConnection = await client.CreateAsync(Requests.OnLane(Requests.Create("goes on"), "free"));
        ResponseResult defaultLane = await client.CreateAsync(Requests.Create("default lane goes on"));
        ResponseResult otherConnection = await other.CreateAsync(Requests.Create("elsewhere"));

        Assert.Equal(("response.created", "stuck"), (created.GetProperty("type").GetString(), created.GetProperty("stream_id").GetString()));
        Assert.Equal(("response.in_progress", "stuck"), (inProgress.GetProperty("type").GetString(), inProgress.GetProperty("stream_id").GetString()));
        Assert.All(sameConnection.Events, e => Assert.Equal("free", e.GetProperty("stream_id").GetString()));
        Assert.Equal("response.completed", sameConnection.Last.GetProperty("type").GetString());
        Assert.Equal("response.completed", defaultLane.Last.GetProperty("type").GetString());
        Assert.Equal("response.completed", otherConnection.Last.GetProperty("type").GetString());
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, client.State);
        Assert.Equal(1, server.Counters.HangsInjected);
        Assert.Equal(1, server.Counters.HangsOpen);
        Assert.Equal(1, server.Counters.FaultsInjected);
    }

    [Fact]
    public async Task A_hung_generate_false_response_stops_after_created()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1 } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        JsonObject prepare = Requests.OnLane(Requests.Create("prepare"), "stuck");
        prepare["generate"] = false;
        await client.SendAsync(prepare);
        JsonElement created = await NextAsync(client);
        ResponseResult next = await client.CreateAsync(Requests.OnLane(Requests.Create("goes on"), "free"));

        Assert.Equal("response.created", created.GetProperty("type").GetString());
        Assert.All(next.Events, e => Assert.Equal("free", e.GetProperty("stream_id").GetString()));
        Assert.Equal(1, server.Counters.HangsOpen);
    }

    [Fact]
    public async Task Closing_the_socket_releases_the_hung_response()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { HangOnRequests = new HashSet<long> { 1, 2 } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
        await client.SendAsync(Requests.OnLane(Requests.Create("stuck"), "a"));
        await client.SendAsync(Requests.Create("stuck too"));
        await Eventually.UntilAsync(() => server.Counters.HangsOpen == 2, timeout.Token);

        await client.DisposeAsync();
        // The session ends only once every response of the connection has ended, the hung ones included.
        await Eventually.UntilAsync(() => server.Counters.ConnectionsEnded == 1, timeout.Token);

        Assert.Equal(0, server.Counters.HangsOpen);
        Assert.Equal(2, server.Counters.HangsInjected);
    }

    [Fact]
    public void Hang_probability_is_reproducible_from_the_seed()
    {
        static long[] Hung(int seed)
        {
            var plan = new FaultPlan(new EmulatorFaults { Seed = seed, HangProbability = 0.1 });
            return [.. Enumerable.Range(0, 2000).Select(_ => plan.NextRequest()).Where(faults => faults.Hang).Select(faults => faults.Number)];
        }

        long[] first = Hung(7);

        Assert.Equal(first, Hung(7));
        Assert.NotEqual(first, Hung(8));
        Assert.InRange(first.Length, 150, 250);
        Assert.False(new FaultPlan(new EmulatorFaults { Seed = 7, DropProbability = 1 }).NextRequest().Hang);
    }

    [Fact]
    public async Task A_hang_probability_outside_0_to_1_is_refused_at_start()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorServer.StartAsync(new EmulatorOptions { Faults = new EmulatorFaults { HangProbability = 1.5 } }));
    }

    private static async Task<JsonElement> NextAsync(TestClient client) =>
        await client.ReceiveEventAsync() ?? throw new InvalidOperationException("closed");
}
