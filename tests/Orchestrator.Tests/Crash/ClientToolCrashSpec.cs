using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Api;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Crash;

/// <summary>
/// A node killed with SIGKILL while a call of a client tool waits for its result: the restarted node lists the call as
/// waiting (not timed out, not forgotten), takes its result, finishes the turn, and never offers the call again once
/// its result is recorded, not even after another kill.
/// </summary>
[Trait("Category", "Crash")]
[Collection(RunAloneCollection.Name)]
public sealed class ClientToolCrashSpec
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_waiting_client_call_survives_SIGKILL_and_is_offered_no_more_once_answered()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        using var http = new HttpClient { Timeout = Timeout };
        using var timeout = new CancellationTokenSource(Timeout);
        const string id = "c-client-tool-crash";
        string callId;

        await using (var first = await ServeProcess.StartAsync(journal, emulator.ResponsesUrl, toolLatencyMs: 0, StartTimeout))
        {
            using (var created = await http.PostAsJsonAsync(new Uri(first.Address, "/v1/conversations"), new
            {
                id,
                client_tools = new[] { new { name = "crm_search", description = "Searches the CRM.", parameters = new { type = "object", properties = new { query = new { type = "string" } } } } },
            }))
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            await using var events = await SseClient.ConnectAsync(http, new Uri(first.Address, $"/v1/conversations/{id}/events"), null, timeout.Token);
            Assert.True(await ServeProcess.TryPostAsync(http, first.Address, id, "mixed tools:2", "m-1"));
            // crm_search waits for this client; the node's demo tool (the second call) runs meanwhile.
            var required = (await events.ReadUntilAsync(e => e.Type == "tool.required", timeout.Token))[^1];
            callId = required.Data.GetProperty("call_id").GetString()!;
            await first.KillAsync();
        }

        await using (var second = await ServeProcess.StartAsync(journal, emulator.ResponsesUrl, toolLatencyMs: 0, StartTimeout))
        {
            var waiting = await StatusAsync(http, second.Address, id);
            Assert.Equal("RunningTools", waiting.GetProperty("phase").GetString());
            Assert.Equal([callId], waiting.GetProperty("waiting_tool_calls").EnumerateArray().Select(c => c.GetProperty("call_id").GetString()));

            await using var events = await SseClient.ConnectAsync(http, new Uri(second.Address, $"/v1/conversations/{id}/events"), null, timeout.Token);
            using (var result = await http.PostAsJsonAsync(new Uri(second.Address, $"/v1/conversations/{id}/tool-results"), new { call_id = callId, output = "3 customers" }))
                Assert.Equal(HttpStatusCode.OK, result.StatusCode);
            var turn = await events.ReadUntilAsync(e => e.Type is "turn.completed" or "turn.failed", timeout.Token);

            Assert.Equal("turn.completed", turn[^1].Type);
            Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", turn[^1].Data.GetProperty("text").GetString());
            var recorded = turn.ToList().FindIndex(e => e.Type == "tool.finished" && e.Data.GetProperty("call_id").GetString() == callId);
            Assert.True(recorded >= 0, "the client's result was not reported as recorded");
            Assert.DoesNotContain(turn.Skip(recorded), e => e.Type == "tool.required");
            await second.KillAsync();
        }

        await using (var third = await ServeProcess.StartAsync(journal, emulator.ResponsesUrl, toolLatencyMs: 0, StartTimeout))
        {
            var idle = await StatusAsync(http, third.Address, id);
            Assert.Equal("Idle", idle.GetProperty("phase").GetString());
            Assert.Equal(0, idle.GetProperty("waiting_tool_calls").GetArrayLength());
            using (var repeat = await http.PostAsJsonAsync(new Uri(third.Address, $"/v1/conversations/{id}/tool-results"), new { call_id = callId, output = "3 customers" }))
                Assert.True((await repeat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
            await third.KillAsync();
        }

        // Offered once: one awaited event, and one output for each call in the window.
        Assert.Equal(1, await CountEventsAsync(journal, id, "client-tool-calls-awaited.v1"));
        Assert.Equal(2, await CountEventsAsync(journal, id, "tool-result.v1"));
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http, Uri address, string id) =>
        await ServeProcess.TryGetStatusAsync(http, address, id) ?? throw new InvalidOperationException($"GET {id} failed on {address}");

    private static async Task<long> CountEventsAsync(TestJournal journal, string id, string manifest)
    {
        await using var connection = await journal.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM journal WHERE persistence_id = 'conversation-{id}' AND manifest = '{manifest}'";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
