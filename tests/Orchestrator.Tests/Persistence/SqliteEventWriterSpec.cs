using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Events;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Tests.Support;
using Xunit;
using static Orchestrator.Tests.Persistence.JournalWriterSpecs;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The SQLite journal's own writer (<see cref="SqliteEventWriter"/>), through the node's journal against the real
/// database: it writes the rows the plugin writes, commits what queued during a commit together in the next one, and
/// loses no conversation's events for another's failure. Alone in the process: the commit metric names the database by
/// its file's name only, the same for every test's journal.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class SqliteEventWriterSpec
{
    [Fact]
    public async Task Writes_that_arrive_while_a_commit_waits_share_the_next_commit()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        await WritesQueuedDuringACommitShareTheNextAsync(journal, SqliteJournalStore.FileName, async j => await HeldSqliteWriteLock.TakeAsync(j));
    }

    [Fact]
    public async Task A_write_that_fails_fails_alone_and_the_others_of_its_commit_are_written()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        using var kit = new TestKit(ActorSystem.Create("failing", await journal.NodeConfigAsync()));
        var probe = kit.CreateTestProbe();
        var node = JournalOf(kit, null);
        WriteOne(node, probe, "conversation-taken");

        await using (await HeldSqliteWriteLock.TakeAsync(journal))
        {
            node.Tell(Write("conversation-a", 1, probe), probe);
            // Event 1 of a conversation that has one: as a second writer of the same conversation would write it.
            node.Tell(Write("conversation-taken", 1, probe), probe);
            node.Tell(Write("conversation-b", 1, probe), probe);
            QueuedEverything(node, probe);
        }
        var replies = probe.ReceiveN(6, Wait);

        Assert.Equal(
            ["conversation-a", "conversation-b"],
            replies.OfType<WriteMessageSuccess>().Select(s => s.Persistent.PersistenceId).Order());
        var failure = Assert.Single(replies.OfType<WriteMessageFailure>());
        Assert.Equal("conversation-taken", failure.Persistent.PersistenceId);
        Assert.Contains("UNIQUE", failure.Cause.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(
            ["conversation-a 1", "conversation-b 1", "conversation-taken 1"],
            await RowsAsync(journal, "SELECT persistence_id || ' ' || sequence_number FROM journal ORDER BY 1"));
    }

    [Fact]
    public async Task An_event_that_cannot_be_serialised_rejects_its_own_write_only()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        using var kit = new TestKit(ActorSystem.Create("rejecting", await journal.NodeConfigAsync()));
        var probe = kit.CreateTestProbe();
        var node = JournalOf(kit, null);

        node.Tell(new WriteMessages(
            [
                new AtomicWrite(new Persistent(Event(1), 1, "conversation-rejected")),
                new AtomicWrite(new Persistent(new Unserialisable(), 2, "conversation-rejected")),
                new AtomicWrite(new Persistent(Event(3), 3, "conversation-rejected")),
            ],
            probe, 1), probe);

        probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
        var replies = probe.ReceiveN(3, Wait);
        Assert.Equal([1L, 3L], replies.OfType<WriteMessageSuccess>().Select(s => s.Persistent.SequenceNr));
        Assert.Equal(2, Assert.Single(replies.OfType<WriteMessageRejected>()).Persistent.SequenceNr);
        Assert.Equal(["1", "3"], await RowsAsync(journal, "SELECT sequence_number FROM journal ORDER BY 1"));
    }

    [Fact]
    public async Task Writes_the_rows_and_tags_the_plugins_journal_writes()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        var node = await journal.NodeConfigAsync();
        var config = TestJournal.StockPlugin(node, "akka.persistence.journal.sql", TestJournal.StockJournal, "Akka.Persistence.Sql.Journal.SqlWriteJournal");
        using var kit = new TestKit(ActorSystem.Create("rows", config));
        var probe = kit.CreateTestProbe();

        foreach (var (plugin, persistenceId) in new[] { (JournalOf(kit, TestJournal.StockJournal), "by-plugin"), (JournalOf(kit, null), "by-node") })
        {
            plugin.Tell(new WriteMessages(
                [
                    new AtomicWrite(new Persistent(Event(1), 1, persistenceId, writerGuid: "writer")),
                    new AtomicWrite(ImmutableListOf(
                        new Persistent(new Tagged(Event(2), ["tag-a", "tag-b"]), 2, persistenceId, writerGuid: "writer"),
                        new Persistent("a string", 3, persistenceId, manifest: "a-manifest", writerGuid: "writer"))),
                ],
                probe, 1), probe);
            probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
            probe.ReceiveN(3, Wait);
        }

        // Everything but the ordering, the time and the writer's id, which each journal takes for itself.
        const string events = """
            SELECT sequence_number, deleted, hex(message), manifest, identifier, typeof(created), typeof(writer_uuid)
            FROM journal WHERE persistence_id = $id ORDER BY sequence_number
            """;
        const string tags = """
            SELECT t.tag, t.sequence_nr, j.sequence_number FROM tags t JOIN journal j ON j.ordering = t.ordering_id
            WHERE t.persistence_id = $id ORDER BY t.tag
            """;
        var byPlugin = await RowsAsync(journal, events, "by-plugin", "$id");
        Assert.Equal(3, byPlugin.Count);
        Assert.Equal(byPlugin, await RowsAsync(journal, events, "by-node", "$id"));
        var pluginTags = await RowsAsync(journal, tags, "by-plugin", "$id");
        Assert.Equal(["tag-a 2 2", "tag-b 2 2"], pluginTags);
        Assert.Equal(pluginTags, await RowsAsync(journal, tags, "by-node", "$id"));
    }

    /// <summary>A payload the default serializer fails on: reading its one property throws.</summary>
    private sealed class Unserialisable
    {
        public string Value => throw new InvalidOperationException("not serialisable");
    }
}
