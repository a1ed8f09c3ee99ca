using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>
/// Tools the client runs, over HTTP: their calls arrive as tool.required on the event stream, wait (GET lists them),
/// and take one result each through <c>POST /v1/conversations/{id}/tool-results</c>; a repeat is a no-op, an unknown
/// call 404, another result 409. The conversation's client tools come first in the request, so the emulator's
/// round-robin over the declared tools calls them first.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ToolResultsSpec(ApiFixture api)
{
    private static readonly object[] TwoClientTools =
    [
        new { name = "crm_search", description = "Searches the CRM.", parameters = new { type = "object", properties = new { query = new { type = "string" } }, required = new[] { "query" } } },
        new { name = "send_mail", description = "Sends a mail.", parameters = new { type = "object", properties = new { to = new { type = "string" } } } },
    ];

    private Task<HttpResponseMessage> PostResultAsync(string id, object body) => api.Http.PostAsJsonAsync(api.At($"/v1/conversations/{id}/tool-results"), body);

    private async Task<JsonElement> GetAsync(string id) =>
        await (await api.Http.GetAsync(api.At($"/v1/conversations/{id}"))).Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task A_result_is_recorded_once_a_repeat_is_a_no_op_and_unknown_or_answered_calls_are_refused()
    {
        var id = await api.CreateAsync(new { client_tools = TwoClientTools });
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        await using var events = await SseClient.ConnectAsync(api.Http, api.At($"/v1/conversations/{id}/events"), null, timeout.Token);
        using (var posted = await api.PostMessageAsync(id, new { text = "ask the client tools:2" })) Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

        var required = 0;
        var offered = (await events.ReadUntilAsync(e => e.Type == "tool.required" && ++required == 2, timeout.Token)).Where(e => e.Type == "tool.required").ToList();
        Assert.Equal(["crm_search", "send_mail"], offered.Select(e => e.Data.GetProperty("name").GetString()));
        Assert.Contains("query", offered[0].Data.GetProperty("arguments").GetString());
        var calls = offered.Select(e => e.Data.GetProperty("call_id").GetString()!).ToList();
        var waiting = await GetAsync(id);
        Assert.Equal("RunningTools", waiting.GetProperty("phase").GetString());
        Assert.Equal(calls, waiting.GetProperty("waiting_tool_calls").EnumerateArray().Select(c => c.GetProperty("call_id").GetString()));

        using (var first = await PostResultAsync(id, new { call_id = calls[0], output = "3 customers" }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.False((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        }
        using (var repeat = await PostResultAsync(id, new { call_id = calls[0], output = "3 customers" }))
        {
            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
            Assert.True((await repeat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        }
        using (var other = await PostResultAsync(id, new { call_id = calls[0], output = "4 customers" })) await ApiFixture.AssertProblemAsync(other, 409, "another result");
        using (var unknown = await PostResultAsync(id, new { call_id = "call_nobody_made", output = "x" })) await ApiFixture.AssertProblemAsync(unknown, 404, "no call");
        using (var neither = await PostResultAsync(id, new { call_id = calls[1] })) await ApiFixture.AssertProblemAsync(neither, 400, "either");
        Assert.Equal([calls[1]], (await GetAsync(id)).GetProperty("waiting_tool_calls").EnumerateArray().Select(c => c.GetProperty("call_id").GetString()));

        using (var second = await PostResultAsync(id, new { call_id = calls[1], error = "the mail server is down" })) Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var rest = await events.ReadUntilAsync(e => e.Type is "turn.completed" or "turn.failed", timeout.Token);

        Assert.Equal("turn.completed", rest[^1].Type);
        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", rest[^1].Data.GetProperty("text").GetString());
        Assert.DoesNotContain(rest, e => e.Type == "tool.required");
        var finished = rest.Single(e => e.Type == "tool.finished" && e.Data.GetProperty("call_id").GetString() == calls[1]);
        Assert.True(finished.Data.GetProperty("is_error").GetBoolean());
        using (var late = await PostResultAsync(id, new { call_id = calls[0], output = "3 customers" })) Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(0, (await GetAsync(id)).GetProperty("waiting_tool_calls").GetArrayLength());
        Assert.Equal(1, await api.JournalEventsAsync(id, "client-tool-calls-awaited.v1"));
        Assert.Equal(2, await api.JournalEventsAsync(id, "tool-result.v1"));
    }

    [Fact]
    public async Task Node_tools_run_meanwhile_and_the_turn_waits_for_the_clients_call()
    {
        var id = await api.CreateAsync(new { client_tools = new[] { TwoClientTools[0] } });
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        await using var events = await SseClient.ConnectAsync(api.Http, api.At($"/v1/conversations/{id}/events"), null, timeout.Token);
        using (var posted = await api.PostMessageAsync(id, new { text = "mixed tools:2" })) Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

        // crm_search (the client's) and lookup (the node's): the node's finishes while the client's waits.
        var seen = await events.ReadUntilAsync(e => e.Type == "tool.finished", timeout.Token);
        var required = seen.Single(e => e.Type == "tool.required");
        Assert.Equal("lookup", seen[^1].Data.GetProperty("name").GetString());
        Assert.Equal("RunningTools", (await GetAsync(id)).GetProperty("phase").GetString());

        using (var result = await PostResultAsync(id, new { call_id = required.Data.GetProperty("call_id").GetString(), output = new { customers = 3 } }))
            Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        var rest = await events.ReadUntilAsync(e => e.Type is "turn.completed" or "turn.failed", timeout.Token);

        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", rest[^1].Data.GetProperty("text").GetString());
        var transcript = (await GetAsync(id)).GetProperty("transcript").EnumerateArray();
        Assert.Contains(transcript, i => i.GetProperty("type").GetString() == "function_call_output" && i.GetProperty("output").GetString() == """{"customers":3}""");
    }

    [Fact]
    public async Task A_client_that_does_not_answer_in_time_leaves_the_model_a_timed_out_error()
    {
        var id = await api.CreateAsync(new { client_tools = new[] { TwoClientTools[0] }, client_tool_timeout_ms = 200 });

        var turn = await api.RunTurnAsync(id, new { text = "nobody answers tools:1" });

        Assert.Equal("turn.completed", turn[^1].Type);
        var finished = turn.Single(e => e.Type == "tool.finished");
        Assert.True(finished.Data.GetProperty("is_error").GetBoolean());
        Assert.Contains("timed_out", finished.Data.GetProperty("output").GetString());
        using var late = await PostResultAsync(id, new { call_id = finished.Data.GetProperty("call_id").GetString(), output = "too late" });
        await ApiFixture.AssertProblemAsync(late, 409, "timeout");
    }

    [Fact]
    public async Task Client_tools_that_clash_with_the_nodes_or_are_malformed_are_refused_at_creation()
    {
        var clash = new { client_tools = new[] { new { name = "lookup", parameters = new { type = "object" } } } };
        var badName = new { client_tools = new[] { new { name = "no spaces", parameters = new { type = "object" } } } };
        var noSchema = new { client_tools = new[] { new { name = "x" } } };
        var badChoice = new { tool_choice = "sometimes" };

        foreach (var (body, detail) in new (object, string)[] { (clash, "this node runs"), (badName, "not valid"), (noSchema, "schema"), (badChoice, "tool_choice") })
        {
            using var response = await api.Http.PostAsJsonAsync(api.At("/v1/conversations"), body);
            await ApiFixture.AssertProblemAsync(response, 400, detail);
        }
    }
}
