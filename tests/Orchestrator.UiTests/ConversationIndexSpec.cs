using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.OperatorConsole;
using Orchestrator.UiTests.Support;
using Xunit;

namespace Orchestrator.UiTests;

/// <summary>The console's list over a real SQLite journal: pages by key, prefix search, summaries from the events.</summary>
public sealed class ConversationIndexSpec : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly JournalSeeder _journal;

    public ConversationIndexSpec() => _journal = new JournalSeeder(Path.Combine(_directory.Path, "orchestrator.db"));

    [Fact]
    public async Task Pages_by_key_cover_every_conversation_once_in_id_order()
    {
        var ids = Enumerable.Range(0, 230).Select(i => $"c-{i * 7919 % 1000:000}-{(char)('a' + i % 26)}").ToList();
        _journal.Write(ids.Select(id => (id, DateTimeOffset.UtcNow, JournalSeeder.FinishedTurn("gpt-5.1", 2))));
        var index = _journal.Index();

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await index.PageAsync("", cursor, 50, CancellationToken.None);
            Assert.True(page.Items.Count <= 50);
            seen.AddRange(page.Items.Select(i => i.Id));
            cursor = page.Next;
            pages++;
        } while (cursor is not null);

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        Assert.Equal(5, pages);
    }

    [Fact]
    public async Task A_prefix_lists_only_the_ids_that_start_with_it()
    {
        _journal.Write(new[] { "team-a.1", "team-a.2", "team-b.1", "team", "tea" }.Select(id => (id, DateTimeOffset.UtcNow, JournalSeeder.FinishedTurn("gpt-5.1", 1))));
        var page = await _journal.Index().PageAsync("team-a", null, 50, CancellationToken.None);

        Assert.Equal(["team-a.1", "team-a.2"], page.Items.Select(i => i.Id));
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task A_summary_shows_the_model_turns_and_the_tool_calls_still_waiting()
    {
        var finished = JournalSeeder.FinishedTurn("gpt-5.1-mini", 3);
        var open = new List<IPersistedEvent>(finished)
        {
            new UserMessageAccepted("m-2", Item.UserMessage("again tools:2"), DateTimeOffset.UtcNow),
            new ResponseRecorded("resp_3", [Call("call_a"), Call("call_b")], SentInFull: false),
            new ToolResultRecorded("call_a", Item.FunctionCallOutput("call_a", "{}"), IsError: false),
        };
        var at = DateTimeOffset.UtcNow;
        _journal.Write([("done", at, finished), ("open", at, open)]);

        var page = await _journal.Index().PageAsync("", null, 10, CancellationToken.None);

        var done = page.Items.Single(i => i.Id == "done");
        Assert.Equal((ConversationSummary.Idle, "gpt-5.1-mini", 1, 0, 7L), (done.Phase, done.Model, done.Turns, done.ToolCallsWaiting, done.Events));
        var running = page.Items.Single(i => i.Id == "open");
        Assert.Equal((ConversationSummary.RunningTools, 2, 1), (running.Phase, running.Turns, running.ToolCallsWaiting));
        Assert.Equal(at.AddMilliseconds((open.Count - 1) * 250).UtcTicks, running.LastActivity!.Value.UtcTicks);
    }

    [Fact]
    public async Task A_conversation_without_rows_is_neither_listed_nor_found()
    {
        _journal.Write([("kept", DateTimeOffset.UtcNow, JournalSeeder.FinishedTurn("gpt-5.1", 1))]);
        var index = _journal.Index();

        Assert.Empty((await index.PageAsync("gone", null, 10, CancellationToken.None)).Items);
        Assert.Empty((await index.EventsAsync("gone", CancellationToken.None)).Rows);
        Assert.Equal(5, (await index.EventsAsync("kept", CancellationToken.None)).Rows.Count);
    }

    private static Item Call(string callId) =>
        Item.Parse($$"""{"type":"function_call","call_id":"{{callId}}","name":"calculate","arguments":"{}"}""");

    public void Dispose()
    {
        _journal.Dispose();
        _directory.Dispose();
    }
}
