using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>An error answering a continuation evicts the parent it named from the connection's cache.</summary>
public sealed class ParentEvictionTests
{
    [Theory]
    [InlineData(InjectedError.RateLimitExceeded)]
    [InlineData(InjectedError.ServerError)]
    [InlineData(InjectedError.PreviousResponseNotFound)]
    [InlineData(InjectedError.ResponseFailed)]
    public async Task An_error_on_a_continuation_evicts_its_parent_so_the_retry_must_be_a_full_send(InjectedError injected)
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { ErrorOnRequests = new Dictionary<long, InjectedError> { [2] = injected } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult parent = await client.CreateAsync(Requests.OnLane(Requests.Create("one"), "a"));
        ResponseResult failed = await client.CreateAsync(Requests.OnLane(Requests.Create("two", previousResponseId: parent.Id), "a"));
        ResponseResult retry = await client.CreateAsync(Requests.OnLane(Requests.Create("two", previousResponseId: parent.Id), "a"));
        ResponseResult fullSend = await client.CreateAsync(Requests.OnLane(Requests.Create(Requests.Items(Requests.UserMessage("one"), Requests.UserMessage("two"))), "a"));

        Assert.False(parent.IsError);
        Assert.Contains(failed.Last.GetProperty("type").GetString(), new[] { "error", "response.failed" });
        Assert.Equal("previous_response_not_found", retry.ErrorCode);
        Assert.Equal("a", retry.Last.GetProperty("stream_id").GetString());
        Assert.Equal("response.completed", fullSend.Last.GetProperty("type").GetString());
        Assert.Equal(1, server.Counters.ParentsEvicted);
    }

    [Fact]
    public async Task A_refused_continuation_evicts_its_parent()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult parent = await client.CreateAsync(Requests.Create("one"));
        JsonObject invalid = Requests.Create("two", previousResponseId: parent.Id);
        invalid["input"] = 42;
        ResponseResult refused = await client.CreateAsync(invalid);
        ResponseResult retry = await client.CreateAsync(Requests.Create("two", previousResponseId: parent.Id));

        Assert.True(refused.IsError);
        Assert.Equal("previous_response_not_found", retry.ErrorCode);
    }

    [Fact]
    public async Task A_stored_parent_stays_available_after_an_error_on_its_continuation()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { ErrorOnRequests = new Dictionary<long, InjectedError> { [2] = InjectedError.ServerError } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult parent = await client.CreateAsync(Requests.Create("one", store: true));
        ResponseResult failed = await client.CreateAsync(Requests.Create("two", previousResponseId: parent.Id, store: true));
        ResponseResult retry = await client.CreateAsync(Requests.Create("two", previousResponseId: parent.Id, store: true));

        Assert.Equal("server_error", failed.ErrorCode);
        Assert.Equal("response.completed", retry.Last.GetProperty("type").GetString());
        Assert.Equal(parent.Id, retry.Response.GetProperty("previous_response_id").GetString());
    }

    [Fact]
    public async Task An_error_on_a_fork_evicts_the_source_lanes_latest_and_leaves_other_lanes_cached()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { ErrorOnRequests = new Dictionary<long, InjectedError> { [3] = InjectedError.RateLimitExceeded } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults }, timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult onA = await client.CreateAsync(Requests.OnLane(Requests.Create("on a"), "a"));
        ResponseResult onB = await client.CreateAsync(Requests.OnLane(Requests.Create("on b"), "b"));
        ResponseResult fork = await client.CreateAsync(Requests.OnLane(Requests.Create("fork of a", previousResponseId: onA.Id), "c"));
        ResponseResult continueA = await client.CreateAsync(Requests.OnLane(Requests.Create("more on a", previousResponseId: onA.Id), "a"));
        ResponseResult continueB = await client.CreateAsync(Requests.OnLane(Requests.Create("more on b", previousResponseId: onB.Id), "b"));

        Assert.Equal("rate_limit_exceeded", fork.ErrorCode);
        Assert.Equal("previous_response_not_found", continueA.ErrorCode);
        Assert.Equal("response.completed", continueB.Last.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_closed_connection_wipes_every_lanes_cache()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        TestClient first = await TestClient.ConnectAsync(server, timeout.Token);
        ResponseResult onA = await first.CreateAsync(Requests.OnLane(Requests.Create("on a"), "a"));
        ResponseResult onDefault = await first.CreateAsync(Requests.Create("on the default lane"));
        await first.DisposeAsync();
        await using TestClient second = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult continueA = await second.CreateAsync(Requests.OnLane(Requests.Create("more on a", previousResponseId: onA.Id), "a"));
        ResponseResult continueDefault = await second.CreateAsync(Requests.Create("more", previousResponseId: onDefault.Id));

        Assert.Equal("previous_response_not_found", continueA.ErrorCode);
        Assert.Equal("previous_response_not_found", continueDefault.ErrorCode);
    }
}
