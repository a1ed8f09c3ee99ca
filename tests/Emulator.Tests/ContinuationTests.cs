using System.Text.Json;

namespace Orchestrator.Emulator.Tests;

public sealed class ContinuationTests
{
    [Fact]
    public async Task Unknown_previous_response_id_fails_with_previous_response_not_found()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult result = await client.CreateAsync(Requests.Create("hi", previousResponseId: "resp_doesnotexist"));

        JsonElement error = Assert.Single(result.Events);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        JsonElement detail = error.GetProperty("error");
        Assert.Equal("invalid_request_error", detail.GetProperty("type").GetString());
        Assert.Equal("previous_response_not_found", detail.GetProperty("code").GetString());
        Assert.Equal("Previous response with id 'resp_doesnotexist' not found.", detail.GetProperty("message").GetString());
        Assert.Equal("previous_response_id", detail.GetProperty("param").GetString());
        Assert.Equal(1, server.Counters.PreviousResponseNotFound);
    }

    [Fact]
    public async Task With_store_false_a_response_cached_on_another_connection_is_not_found()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient first = await TestClient.ConnectAsync(server, timeout.Token);
        await using TestClient second = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult original = await first.CreateAsync(Requests.Create("remember me", store: false));
        ResponseResult elsewhere = await second.CreateAsync(Requests.Create("next", previousResponseId: original.Id, store: false));
        ResponseResult here = await first.CreateAsync(Requests.Create("next", previousResponseId: original.Id, store: false));

        Assert.Equal("previous_response_not_found", elsewhere.ErrorCode);
        Assert.False(here.IsError);
        Assert.Equal(original.Id, here.Response.GetProperty("previous_response_id").GetString());
    }

    [Fact]
    public async Task With_store_true_a_response_continues_from_any_connection()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient first = await TestClient.ConnectAsync(server, timeout.Token);
        ResponseResult original = await first.CreateAsync(Requests.Create("remember me", store: null));
        await first.DisposeAsync();
        await using TestClient second = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult continued = await second.CreateAsync(Requests.Create("next", previousResponseId: original.Id, store: false));

        Assert.True(original.Response.GetProperty("store").GetBoolean(), "store is true when absent");
        Assert.False(continued.IsError, continued.Last.GetRawText());
        Assert.True(continued.Usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task With_store_false_the_connection_keeps_only_the_latest_response()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult older = await client.CreateAsync(Requests.Create("one"));
        ResponseResult latest = await client.CreateAsync(Requests.Create("two", previousResponseId: older.Id));
        ResponseResult fromOlder = await client.CreateAsync(Requests.Create("three", previousResponseId: older.Id));
        ResponseResult fromLatest = await client.CreateAsync(Requests.Create("three", previousResponseId: latest.Id));

        Assert.False(latest.IsError);
        Assert.Equal("previous_response_not_found", fromOlder.ErrorCode);
        Assert.False(fromLatest.IsError, "a failed request leaves the cache as it was");
    }

    [Fact]
    public async Task Continuations_report_the_cached_prefix_as_cached_tokens()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult first = await client.CreateAsync(Requests.Create("a long enough first message to be worth caching " + new string('z', 400)));
        ResponseResult second = await client.CreateAsync(Requests.Create("short", previousResponseId: first.Id));

        int firstInput = first.Usage.GetProperty("input_tokens").GetInt32();
        int secondInput = second.Usage.GetProperty("input_tokens").GetInt32();
        int cached = second.Usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.Equal(0, first.Usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.True(cached > firstInput / 2, $"cached {cached} of first input {firstInput}");
        Assert.True(cached < secondInput, $"cached {cached} must be part of input {secondInput}");
        Assert.True(secondInput > firstInput, "the continued context includes the first turn");
    }
}
