using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Crash;

/// <summary>
/// SIGKILL after a steered message is persisted and the server has accepted it, before its successor's
/// <c>response.created</c>: the restarted node runs it as the next turn, so it is in the window once and the digest is
/// exact.
/// </summary>
[Trait("Category", "Crash")]
[Collection(RunAloneCollection.Name)]
public sealed class SteeringCrashSpec
{
    private const string Steered = "after the crash tools:2";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_steered_message_killed_before_its_successor_starts_runs_once_after_the_restart()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        // The first response thinks for seconds: the kill lands before it ends, so before any successor starts.
        var latency = TimeSpan.FromSeconds(4);
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { ModelLatency = latency, RecordTraffic = true });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var config = Path.Combine(Path.GetTempPath(), $"steering-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, "orchestrator.conversation { steering = on }");
        var environment = new Dictionary<string, string> { [OrchestratorSettings.ConfigFileVariable] = config };
        try
        {
            await using (var node = await ServeProcess.StartAsync(journal, emulator.ResponsesUrl, toolLatencyMs: 10, StartTimeout, environment: environment))
            {
                Assert.Equal("turn", await PostAsync(http, node.Address, "first question", "m-1"));
                await Poll.UntilAsync(() => emulator.Traffic.Any(r => r.Type == "response.create"), Wait, () => "the first request never reached the emulator");
                Assert.Contains(await PostAsync(http, node.Address, Steered, "m-2"), new[] { "steering", "queued" });
                await Poll.UntilAsync(() => emulator.Counters.SteersAccepted == 1, Wait, () => "the steer was never accepted");
                await node.KillAsync();
                // Killed while the steered response still thought: its successor cannot have started.
                Assert.True(DateTimeOffset.UtcNow - emulator.Traffic.First(r => r.Type == "response.create").Time < latency, "the kill came too late to land before the successor");
            }

            await using var restarted = await ServeProcess.StartAsync(journal, emulator.ResponsesUrl, toolLatencyMs: 10, StartTimeout, environment: environment);
            JsonElement? status = null;
            await Poll.UntilAsync(
                async () => (status = await ServeProcess.TryGetStatusAsync(http, restarted.Address, "c-steer-crash")) is { } s
                            && s.GetProperty("phase").GetString() == "Idle" && s.GetProperty("last_answer").GetString()?.Contains("calls=") == true,
                Wait,
                () => $"the conversation did not finish after the restart: {status}",
                TimeSpan.FromMilliseconds(100));

            var transcript = status!.Value.GetProperty("transcript").EnumerateArray().ToList();
            Assert.Equal(1, transcript.Count(i => Text(i) == Steered));
            Assert.Equal(1, transcript.Count(i => Text(i) == "first question"));
            Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", status.Value.GetProperty("last_answer").GetString());
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static async Task<string?> PostAsync(HttpClient http, Uri address, string text, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "/v1/conversations/c-steer-crash/messages"))
        {
            Content = JsonContent.Create(new Dictionary<string, string> { ["text"] = text }),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("delivery").GetString();
    }

    private static string? Text(JsonElement item) =>
        item.GetProperty("type").GetString() == "message" && item.GetProperty("role").GetString() == "user"
            ? item.GetProperty("content")[0].GetProperty("text").GetString()
            : null;
}
