using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>Create, post, read, cancel and delete over HTTP, and every way a client can get a request wrong.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConversationEndpointsSpec(ApiFixture api)
{
    [Fact]
    public async Task Create_with_a_chosen_id_model_and_instructions_answers_201_and_the_conversation_keeps_them()
    {
        var id = $"c-{Guid.NewGuid():N}";
        Assert.Equal(id, await api.CreateAsync(new { id, model = "gpt-test", instructions = "Be brief." }));

        var state = await api.Http.GetFromJsonAsync<JsonElement>(api.At($"/v1/conversations/{id}"));
        Assert.Equal(("Idle", "gpt-test", "Be brief."), (state.GetProperty("phase").GetString(), state.GetProperty("model").GetString(), state.GetProperty("instructions").GetString()));
        Assert.Equal(0, state.GetProperty("transcript").GetArrayLength());

        using var again = await api.Http.PostAsJsonAsync(api.At("/v1/conversations"), new { id });
        await ApiFixture.AssertProblemAsync(again, 409, "exists already");
    }

    [Fact]
    public async Task Create_without_a_body_makes_a_new_id()
    {
        using var response = await api.Http.PostAsync(api.At("/v1/conversations"), null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal($"/v1/conversations/{id}", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task A_turn_over_http_ends_in_the_transcript_with_every_tool_output()
    {
        var id = await api.CreateAsync();
        var events = await api.RunTurnAsync(id, new { text = "look things up tools:2" });
        Assert.Equal("turn.completed", events[^1].Type);

        var state = await api.Http.GetFromJsonAsync<JsonElement>(api.At($"/v1/conversations/{id}"));
        var types = state.GetProperty("transcript").EnumerateArray().Select(i => i.GetProperty("type").GetString()).ToList();
        Assert.Equal(2, types.Count(t => t == "function_call"));
        Assert.Equal(2, types.Count(t => t == "function_call_output"));
        Assert.Equal(events[^1].Data.GetProperty("text").GetString(), state.GetProperty("last_answer").GetString());
        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", state.GetProperty("last_answer").GetString());
    }

    [Fact]
    public async Task A_message_as_input_items_is_accepted_and_answered()
    {
        var id = await api.CreateAsync();
        var input = new object[]
        {
            new { type = "message", role = "user", content = "first part" },
            new { role = "user", content = new[] { new { type = "input_text", text = "second part tools:1" } } },
        };
        var events = await api.RunTurnAsync(id, new { input });
        Assert.Equal("turn.completed", events[^1].Type);
        var state = await api.Http.GetFromJsonAsync<JsonElement>(api.At($"/v1/conversations/{id}"));
        var user = state.GetProperty("transcript")[0];
        Assert.Contains("second part", user.ToString());
    }

    [Fact]
    public async Task Posting_twice_with_one_idempotency_key_accepts_the_message_once()
    {
        var id = await api.CreateAsync();
        using var first = await api.PostMessageAsync(id, new { text = "hello" }, "key-1");
        using var second = await api.PostMessageAsync(id, new { text = "hello" }, "key-1");
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));
        var a = await first.Content.ReadFromJsonAsync<JsonElement>();
        var b = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(a.GetProperty("message_id").GetString(), b.GetProperty("message_id").GetString());
        Assert.Equal((false, true), (a.GetProperty("duplicate").GetBoolean(), b.GetProperty("duplicate").GetBoolean()));
    }

    [Fact]
    public async Task Reusing_an_idempotency_key_for_another_text_is_409_naming_the_key_and_persists_nothing()
    {
        var id = await api.CreateAsync();
        using (var first = await api.PostMessageAsync(id, new { text = "hello" }, "key-reused")) Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(1, await api.JournalEventsAsync(id, "user-message.v1"));

        using var other = await api.PostMessageAsync(id, new { text = "something else" }, "key-reused");
        await ApiFixture.AssertProblemAsync(other, 409, "Idempotency-Key 'key-reused'");
        Assert.Equal(1, await api.JournalEventsAsync(id, "user-message.v1"));

        using var same = await api.PostMessageAsync(id, new { text = "hello" }, "key-reused");
        Assert.True((await same.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task Cancelling_a_turn_stops_its_tools_ends_it_as_failed_and_the_next_turn_runs()
    {
        var id = await api.CreateAsync();
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        await using var events = await SseClient.ConnectAsync(api.Http, api.At($"/v1/conversations/{id}/events"), null, timeout.Token);
        using (api.HoldTools())
        {
            using (var posted = await api.PostMessageAsync(id, new { text = "slow lookups tools:2" })) Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            var started = 0;
            await events.ReadUntilAsync(e => e.Type == "tool.started" && ++started == 2, timeout.Token);

            using var cancel = await api.Http.PostAsync(api.At($"/v1/conversations/{id}/cancel"), null);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.True((await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cancelled").GetBoolean());

            var rest = await events.ReadUntilAsync(e => e.Type is "turn.failed" or "turn.completed", timeout.Token);
            Assert.Equal("turn.failed", rest[^1].Type);
            Assert.Contains("cancelled", rest[^1].Data.GetProperty("reason").GetString());
            Assert.Equal(2, rest.Count(e => e.Type == "tool.finished" && e.Data.GetProperty("is_error").GetBoolean()));
        }

        using var idle = await api.Http.PostAsync(api.At($"/v1/conversations/{id}/cancel"), null);
        Assert.False((await idle.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cancelled").GetBoolean());
        using (var posted = await api.PostMessageAsync(id, new { text = "again tools:1" })) Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var next = await events.ReadUntilAsync(e => e.Type is "turn.failed" or "turn.completed", timeout.Token);
        Assert.Equal("turn.completed", next[^1].Type);
        // The cancelled calls kept an (error) output each: the window the model saw is whole.
        Assert.Contains("missing=0 duplicates=0", next[^1].Data.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Delete_removes_the_conversation_ends_its_event_streams_and_a_second_delete_is_404()
    {
        var id = await api.CreateAsync();
        await api.RunTurnAsync(id, new { text = "hello" });
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        await using var events = await SseClient.ConnectAsync(api.Http, api.At($"/v1/conversations/{id}/events"), null, timeout.Token);

        using var deleted = await api.Http.DeleteAsync(api.At($"/v1/conversations/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        // Its event stream ends (rather than staying open on a conversation that is gone).
        Assert.Null(await events.NextAsync(timeout.Token));
        using var gone = await api.Http.GetAsync(api.At($"/v1/conversations/{id}"));
        await ApiFixture.AssertProblemAsync(gone, 404, id);
        using var again = await api.Http.DeleteAsync(api.At($"/v1/conversations/{id}"));
        await ApiFixture.AssertProblemAsync(again, 404, id);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/events")]
    [InlineData("POST", "/cancel")]
    [InlineData("DELETE", "")]
    public async Task An_unknown_conversation_is_404(string method, string suffix)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), api.At($"/v1/conversations/never-{Guid.NewGuid():N}{suffix}"));
        using var response = await api.Http.SendAsync(request);
        await ApiFixture.AssertProblemAsync(response, 404, "no conversation");
    }

    [Theory]
    [InlineData("{\"text\": ", "not valid JSON")]
    [InlineData("[1, 2]", "not valid JSON")]
    [InlineData("{}", "non-empty \"text\"")]
    [InlineData("{\"text\": \"   \"}", "non-empty \"text\"")]
    [InlineData("{\"text\": \"a\", \"input\": []}", "not both")]
    [InlineData("{\"input\": []}", "no items")]
    [InlineData("{\"input\": [{\"type\": \"function_call_output\", \"call_id\": \"x\", \"output\": \"y\"}]}", "only user message items")]
    [InlineData("{\"input\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}", "only user message items")]
    [InlineData("", "needs a JSON body")]
    public async Task A_bad_message_body_is_400_with_what_is_wrong(string body, string detail)
    {
        using var response = await api.Http.PostAsync(api.At("/v1/conversations/bad-bodies/messages"), new StringContent(body, Encoding.UTF8, "application/json"));
        await ApiFixture.AssertProblemAsync(response, 400, detail);
    }

    [Fact]
    public async Task A_bad_create_body_or_id_is_400()
    {
        using var malformed = await api.Http.PostAsync(api.At("/v1/conversations"), new StringContent("{id:", Encoding.UTF8, "application/json"));
        await ApiFixture.AssertProblemAsync(malformed, 400, "not valid JSON");
        using var badId = await api.Http.PostAsJsonAsync(api.At("/v1/conversations"), new { id = "has spaces/and slashes" });
        await ApiFixture.AssertProblemAsync(badId, 400, "conversation id is not valid");
        using var badPath = await api.Http.GetAsync(api.At($"/v1/conversations/{new string('x', 200)}"));
        await ApiFixture.AssertProblemAsync(badPath, 400, "conversation id is not valid");
        using var longKey = await api.PostMessageAsync("c-key", new { text = "hi" }, new string('k', 300));
        await ApiFixture.AssertProblemAsync(longKey, 400, "Idempotency-Key");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        using var response = await api.Http.PostAsync(api.At("/v1/conversations/c-text/messages"), new StringContent("hello", Encoding.UTF8, "text/plain"));
        await ApiFixture.AssertProblemAsync(response, 415, "application/json");
        using var noRoute = await api.Http.GetAsync(api.At("/v1/nothing-here"));
        await ApiFixture.AssertProblemAsync(noRoute, 404, "openapi");
    }

    [Fact]
    public async Task An_oversized_body_is_413_whether_its_length_is_declared_or_not()
    {
        var text = new string('a', 100 * 1024);
        using var declared = await api.PostMessageAsync("c-large", new { text });
        await ApiFixture.AssertProblemAsync(declared, 413, "limit");

        // Chunked: no Content-Length, so only reading finds out.
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { text }));
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, api.At("/v1/conversations/c-large/messages")) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var chunked = await api.Http.SendAsync(request);
        await ApiFixture.AssertProblemAsync(chunked, 413, "limit");

        using var create = await api.Http.PostAsJsonAsync(api.At("/v1/conversations"), new { id = "c-large-create", instructions = text });
        await ApiFixture.AssertProblemAsync(create, 413, "limit");
    }
}
