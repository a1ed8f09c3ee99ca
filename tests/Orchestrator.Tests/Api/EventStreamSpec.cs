using System.Net;
using Orchestrator.Host.Api;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>The SSE stream carries the objects of <c>run --json</c> and resumes with Last-Event-ID without losing an event.</summary>
[Collection(ApiCollection.Name)]
public sealed class EventStreamSpec(ApiFixture api)
{
    [Fact]
    public async Task A_client_that_reconnects_with_last_event_id_misses_no_event()
    {
        var id = await api.CreateAsync();
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        var url = api.At($"/v1/conversations/{id}/events");
        var seen = new List<SseClient.Event>();

        await using (var first = await SseClient.ConnectAsync(api.Http, url, null, timeout.Token))
        {
            using (var posted = await api.PostMessageAsync(id, new { text = "many lookups tools:3 rounds:2" })) Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            // Drop the connection in the middle of the turn.
            seen.AddRange(await first.ReadUntilAsync(e => e.Type == "tool.finished", timeout.Token));
        }
        await using (var second = await SseClient.ConnectAsync(api.Http, url, seen[^1].Id, timeout.Token))
        {
            seen.AddRange(await second.ReadUntilAsync(e => e.Type == "turn.completed", timeout.Token));
        }

        // One numbering, no gap, no repeat, across both connections.
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.Equal(6, seen.Count(e => e.Type == "tool.started"));
        Assert.Equal(6, seen.Count(e => e.Type == "tool.finished"));
        Assert.Equal(seen.Where(e => e.Type == "tool.started").Select(e => e.Data.GetProperty("call_id").GetString()).Order(),
            seen.Where(e => e.Type == "tool.finished").Select(e => e.Data.GetProperty("call_id").GetString()).Order());
        var completed = seen[^1];
        Assert.Equal(completed.Type, completed.Data.GetProperty("type").GetString());
        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", completed.Data.GetProperty("text").GetString());
        Assert.Equal(id, completed.Data.GetProperty("conversation_id").GetString());
        Assert.True(completed.Data.GetProperty("stats").GetProperty("tool_calls").GetInt32() == 6);
    }

    [Fact]
    public async Task A_last_event_id_from_another_stream_gets_a_reset_event()
    {
        var id = await api.CreateAsync();
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        await using var stream = await SseClient.ConnectAsync(api.Http, api.At($"/v1/conversations/{id}/events"), "feedbeef-41", timeout.Token);
        var reset = await stream.NextAsync(timeout.Token);
        Assert.Equal(EventReplayBuffer.ResetEvent, reset!.Type);
        Assert.Contains("not from this stream", reset.Data.GetProperty("reason").GetString());
    }
}
