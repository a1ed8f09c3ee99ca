using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Http;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>
/// <c>POST …/cancel</c> while the model's answer is still streaming. A node of its own, against an emulator that
/// waits before every text delta, so the answer is mid-stream from its first delta for seconds.
/// </summary>
public sealed class CancelDuringStreamSpec : IAsyncLifetime
{
    // About 17 deltas of 3 words for the echo of the message below: the answer streams for ~10 s after its first
    // delta, a window the cancel request lands in even on a loaded machine.
    private static readonly TimeSpan TokenLatency = TimeSpan.FromMilliseconds(600);
    private static readonly string LongMessage = string.Join(' ', Enumerable.Range(1, 30).Select(i => $"w{i}"));
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private EmulatorAndJournal _ground = null!;
    private OrchestratorNode _node = null!;
    private ApiHost _api = null!;
    private readonly HttpClient _http = new() { Timeout = Timeout };

    public async Task InitializeAsync()
    {
        _ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions { TokenLatency = TokenLatency });
        _node = await _ground.StartNodeAsync();
        _api = await ApiHost.StartAsync(_node, "http://127.0.0.1:0", new ApiOptions(), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
        await _node.DisposeAsync();
        await _ground.DisposeAsync();
    }

    [Fact]
    public async Task Cancelling_while_the_answer_streams_ends_the_turn_as_failed_without_that_answer_and_the_next_turn_runs()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var created = await _http.PostAsJsonAsync(At("/v1/conversations"), new { }, timeout.Token);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(timeout.Token)).GetProperty("id").GetString()!;
        await using var events = await SseClient.ConnectAsync(_http, At($"/v1/conversations/{id}/events"), null, timeout.Token);

        using (var posted = await _http.PostAsJsonAsync(At($"/v1/conversations/{id}/messages"), new { text = LongMessage }, timeout.Token))
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        await events.ReadUntilAsync(e => e.Type == "text.delta", timeout.Token);

        using (var cancel = await _http.PostAsync(At($"/v1/conversations/{id}/cancel"), null, timeout.Token))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.True((await cancel.Content.ReadFromJsonAsync<JsonElement>(timeout.Token)).GetProperty("cancelled").GetBoolean());
        }
        var rest = await events.ReadUntilAsync(e => e.Type is "turn.failed" or "turn.completed", timeout.Token);
        Assert.Equal("turn.failed", rest[^1].Type);
        Assert.Contains("cancelled", rest[^1].Data.GetProperty("reason").GetString());

        // The discarded answer is not in the transcript; the user's message stays in the window.
        var state = await _http.GetFromJsonAsync<JsonElement>(At($"/v1/conversations/{id}"), timeout.Token);
        Assert.Equal("Idle", state.GetProperty("phase").GetString());
        var transcript = state.GetProperty("transcript").EnumerateArray().ToList();
        Assert.DoesNotContain(transcript, item => item.TryGetProperty("role", out var role) && role.GetString() == "assistant");
        Assert.Contains(transcript, item => item.ToString().Contains("w30", StringComparison.Ordinal));

        using (var posted = await _http.PostAsJsonAsync(At($"/v1/conversations/{id}/messages"), new { text = "again" }, timeout.Token))
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var next = await events.ReadUntilAsync(e => e.Type is "turn.failed" or "turn.completed", timeout.Token);
        Assert.Equal("turn.completed", next[^1].Type);
        Assert.Contains("You said: \"again\"", next[^1].Data.GetProperty("text").GetString());
    }

    private Uri At(string path) => new(_api.Address, path);
}
