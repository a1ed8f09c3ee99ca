using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>
/// DELETE through a whole node on SQLite (sharding, the journal's writer, snapshots): the conversation's text is gone
/// from the database file and its WAL while the node runs, and the id starts over empty. On a node of its own, so that
/// no other spec's reader holds the WAL.
/// </summary>
public sealed class DeleteForgetsSpec
{
    [Fact]
    public async Task After_delete_the_database_files_hold_none_of_the_conversations_text_and_the_id_starts_over_empty()
    {
        var api = new ApiFixture();
        await api.InitializeAsync();
        try
        {
            var secret = $"forget-me-{Guid.NewGuid():N}";
            var id = await api.CreateAsync();
            Assert.Equal("turn.completed", (await api.RunTurnAsync(id, new { text = $"{secret} tools:2 rounds:2" }))[^1].Type);
            using (var keyed = await api.PostMessageAsync(id, new { text = $"{secret} again" }, "key-1")) Assert.Equal(HttpStatusCode.Accepted, keyed.StatusCode);
            var database = Path.Combine(api.DataDirectory, SqliteJournalStore.FileName);
            Assert.True(FileBytes.Contain(database, secret) || FileBytes.Contain(database + "-wal", secret), "the text is where the test looks");

            using (var deleted = await api.Http.DeleteAsync(api.At($"/v1/conversations/{id}"))) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

            Assert.False(FileBytes.Contain(database, secret), "orchestrator.db still holds the deleted conversation's text");
            Assert.False(FileBytes.Contain(database + "-wal", secret), "orchestrator.db-wal still holds the deleted conversation's text");
            // The old idempotency key is forgotten with the rest: the same key is a new message of a new conversation.
            using var again = await api.PostMessageAsync(id, new { text = "hello" }, "key-1");
            Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
            var state = await api.Http.GetFromJsonAsync<JsonElement>(api.At($"/v1/conversations/{id}"));
            Assert.DoesNotContain(secret, state.ToString());
        }
        finally
        {
            await api.DisposeAsync();
        }
    }
}
