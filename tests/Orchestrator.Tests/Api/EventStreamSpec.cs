using System.Net;
using Orchestrator.Http;
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
        // The observer stays connected for the whole turn: what the reconnecting client must end up with.
        await using var observer = await SseClient.ConnectAsync(api.Http, url, null, timeout.Token);
        var seen = new List<SseClient.Event>();
        IReadOnlyList<SseClient.Event> all;

        using (var hold = api.HoldTools())
        {
            await using (var first = await SseClient.ConnectAsync(api.Http, url, null, timeout.Token))
            {
                using (var posted = await api.PostMessageAsync(id, new { text = "many lookups tools:3 rounds:2" })) Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
                seen.AddRange(await first.ReadUntilAsync(e => e.Type == "tool.started", timeout.Token));
            }
            // Disconnected after the first call started; the observer sees the other two start meanwhile (the tools
            // are held, so nothing else happens): the reconnecting client has missed them for certain.
            var started = 0;
            var before = await observer.ReadUntilAsync(e => e.Type == "tool.started" && ++started == 3, timeout.Token);
            Assert.True(before.Count > seen.Count);

            await using var second = await SseClient.ConnectAsync(api.Http, url, seen[^1].Id, timeout.Token);
            // Replayed: exactly what was missed. Then the tools go on and the rest of the turn arrives live.
            var replayed = new List<SseClient.Event>();
            while (replayed.Count < before.Count - seen.Count) replayed.Add(await second.NextAsync(timeout.Token) ?? throw new InvalidOperationException("the resumed stream ended"));
            hold.Dispose();
            seen.AddRange(replayed);
            seen.AddRange(await second.ReadUntilAsync(e => e.Type == "turn.completed", timeout.Token));
            all = [.. before, .. await observer.ReadUntilAsync(e => e.Type == "turn.completed", timeout.Token)];
        }

        // One numbering, no gap, no repeat, across both connections, and the same events the observer saw.
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.Equal(all.Select(e => (e.Id, e.Type, e.Data.ToString())), seen.Select(e => (e.Id, e.Type, e.Data.ToString())));
        Assert.Equal(6, seen.Count(e => e.Type == "tool.started"));
        Assert.Equal(6, seen.Count(e => e.Type == "tool.finished"));
        Assert.Equal(seen.Where(e => e.Type == "tool.started").Select(e => e.Data.GetProperty("call_id").GetString()).Order(),
            seen.Where(e => e.Type == "tool.finished").Select(e => e.Data.GetProperty("call_id").GetString()).Order());
        var completed = seen[^1];
        Assert.Equal(completed.Type, completed.Data.GetProperty("type").GetString());
        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", completed.Data.GetProperty("text").GetString());
        Assert.Equal(id, completed.Data.GetProperty("conversation_id").GetString());
        Assert.Equal(6, completed.Data.GetProperty("stats").GetProperty("tool_calls").GetInt32());
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
