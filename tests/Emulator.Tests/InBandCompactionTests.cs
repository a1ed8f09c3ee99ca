using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>In-band compaction: a <c>compaction_trigger</c> last in the input compacts the context before the answer.</summary>
public sealed class InBandCompactionTests
{
    private static JsonObject Trigger() => new() { ["type"] = "compaction_trigger" };

    [Fact]
    public async Task A_trigger_last_in_the_input_announces_the_compaction_and_returns_its_item_first()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult first = await client.CreateAsync(Requests.Create("tools:1", tools: Requests.WeatherTools()));
        string callId = first.FunctionCalls[0].GetProperty("call_id").GetString()!;
        ResponseResult compacted = await client.CreateAsync(Requests.Create(
            Requests.Items(Requests.FunctionOutput(callId), Trigger()), previousResponseId: first.Id, tools: Requests.WeatherTools()));
        ResponseResult next = await client.CreateAsync(Requests.Create("and again tools:1", previousResponseId: compacted.Id, tools: Requests.WeatherTools()));

        Assert.False(compacted.IsError, compacted.Last.GetRawText());
        JsonElement compacting = compacted.Events.Single(e => e.GetProperty("type").GetString() == "response.compaction.compacting");
        JsonElement added = compacted.Events.First(e => e.GetProperty("type").GetString() == "response.output_item.added");
        Assert.True(compacted.Events.ToList().IndexOf(compacting) < compacted.Events.ToList().IndexOf(added));
        Assert.Equal(0, compacting.GetProperty("output_index").GetInt32());
        Assert.Equal("compaction", compacted.Output[0].GetProperty("type").GetString());
        Assert.Equal(compacted.Output[0].GetProperty("id").GetString(), compacting.GetProperty("item_id").GetString());
        Assert.Contains("calls=1 outputs=1 missing=0 duplicates=0", compacted.Text);
        Assert.Equal(1, server.Counters.Compactions);
        // The chain goes on from the compacted response: its calls still count.
        Assert.False(next.IsError, next.Last.GetRawText());
        Assert.Single(next.FunctionCalls);
    }

    [Fact]
    public async Task A_trigger_anywhere_but_last_is_refused()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult refused = await client.CreateAsync(Requests.Create(Requests.Items(Trigger(), Requests.UserMessage("hello"))));

        Assert.True(refused.IsError);
        Assert.Equal("invalid_value", refused.ErrorCode);
        Assert.Equal(0, server.Counters.Compactions);
    }
}
