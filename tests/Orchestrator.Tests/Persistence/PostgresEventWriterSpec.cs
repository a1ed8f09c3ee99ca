using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Journal.Types;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Npgsql;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Persistence.Sql;
using Orchestrator.Tests.Support;
using Xunit;
using static Orchestrator.Tests.Persistence.JournalWriterSpecs;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The PostgreSQL journal's own writer (<see cref="PostgresEventWriter"/>), through the node's journal and alone, against
/// a real server: it writes the rows the plugin writes, commits what queued during a commit together in the next one,
/// loses no conversation's events for another's failure and never half of a write, fails a write at once when its
/// queue is full, and fails what is queued when it stops. What queues is held back by a lock on the journal table
/// (<see cref="HeldTableLock"/>), which the writer's inserts wait for.
/// </summary>
public sealed class PostgresEventWriterSpec
{
    [PostgresFact]
    public async Task Writes_of_many_conversations_that_arrive_while_a_commit_waits_share_the_next_commit()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        await WritesQueuedDuringACommitShareTheNextAsync(journal, DatabaseOf(journal), async j => await HeldTableLock.TakeAsync(j));
        Assert.Equal(QueuedConversations, await CountAsync(journal, "SELECT count(*) FROM journal WHERE persistence_id LIKE 'conversation-%' AND persistence_id <> 'conversation-warm'"));
    }

    [PostgresFact]
    public async Task A_write_that_fails_fails_alone_none_of_its_events_is_written_and_the_others_of_its_commit_are()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        using var kit = new TestKit(ActorSystem.Create("failing", await journal.NodeConfigAsync()));
        var probe = kit.CreateTestProbe();
        var node = JournalOf(kit);
        WriteOne(node, probe, "conversation-taken");

        await using (await HeldTableLock.TakeAsync(journal))
        {
            node.Tell(Write("conversation-a", 1, probe), probe);
            // Events 1 and 2 of a conversation that has 1: as a second writer of the same conversation would write them.
            node.Tell(new WriteMessages(
                [new AtomicWrite(ImmutableListOf(Persistent("conversation-taken", 1), Persistent("conversation-taken", 2)))], probe, 1), probe);
            node.Tell(Write("conversation-b", 1, probe), probe);
            QueuedEverything(node, probe);
        }
        var replies = probe.ReceiveN(7, Wait);

        Assert.Equal(
            ["conversation-a", "conversation-b"],
            replies.OfType<WriteMessageSuccess>().Select(s => s.Persistent.PersistenceId).Order());
        var failures = replies.OfType<WriteMessageFailure>().ToList();
        Assert.Equal([1L, 2L], failures.Select(f => f.Persistent.SequenceNr).Order());
        Assert.All(failures, f => Assert.Equal("23505", Assert.IsType<PostgresException>(f.Cause).SqlState));
        Assert.Equal(
            ["conversation-a 1", "conversation-b 1", "conversation-taken 1"],
            await RowsAsync(journal, "SELECT persistence_id || ' ' || sequence_number FROM journal ORDER BY 1"));
    }

    [PostgresFact]
    public async Task A_batch_the_server_refuses_fails_every_write_and_writes_none_of_their_rows_or_tags()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        using var kit = new TestKit(ActorSystem.Create("refused", await journal.NodeConfigAsync()));
        var probe = kit.CreateTestProbe();
        var node = JournalOf(kit);
        WriteOne(node, probe, "conversation-before");
        // Every tag refused: a tagged event's row is inserted by the same statement as its tags, so it is refused too.
        await ExecuteAsync(journal, """
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER refuse_tags BEFORE INSERT ON tags FOR EACH ROW EXECUTE FUNCTION refuse();
            """);

        await using (await HeldTableLock.TakeAsync(journal))
        {
            for (var i = 0; i < 3; i++)
                node.Tell(new WriteMessages([new AtomicWrite(ImmutableListOf(
                    Persistent($"conversation-{i}", 1), Persistent($"conversation-{i}", 2, new Tagged(Event(2), ["tag-a"]))))], probe, 1), probe);
            QueuedEverything(node, probe);
        }
        var replies = probe.ReceiveN(3 * 3, Wait);

        Assert.Equal(3, replies.OfType<WriteMessagesFailed>().Count());
        Assert.Equal(6, replies.OfType<WriteMessageFailure>().Count());
        Assert.Equal(["conversation-before 1"], await RowsAsync(journal, "SELECT persistence_id || ' ' || sequence_number FROM journal ORDER BY 1"));
        Assert.Empty(await RowsAsync(journal, "SELECT tag FROM tags"));
    }

    [PostgresFact]
    public async Task Writes_the_rows_and_tags_the_plugins_journal_writes()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        var node = await journal.NodeConfigAsync();
        var config = TestJournal.StockPlugin(node, "akka.persistence.journal.sql", TestJournal.StockJournal, "Akka.Persistence.Sql.Journal.SqlWriteJournal");
        using var kit = new TestKit(ActorSystem.Create("rows", config));
        var probe = kit.CreateTestProbe();

        foreach (var (plugin, persistenceId) in new[] { (JournalOf(kit), "by-node"), (JournalOf(kit, TestJournal.StockJournal), "by-plugin") })
        {
            plugin.Tell(new WriteMessages(
                [
                    new AtomicWrite(Persistent(persistenceId, 1)),
                    new AtomicWrite(ImmutableListOf(
                        Persistent(persistenceId, 2, new Tagged(Event(2), ["tag-a", "tag-b"])),
                        new Persistent("a string", 3, persistenceId, manifest: "a-manifest", writerGuid: "writer"))),
                ],
                probe, 1), probe);
            probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
            probe.ReceiveN(3, Wait);
        }

        // Everything but the ordering, the time and the writer's id, which each journal takes for itself.
        const string events = """
            SELECT sequence_number, deleted, encode(message, 'hex'), manifest, identifier, pg_typeof(created), writer_uuid IS NULL
            FROM journal WHERE persistence_id = @id ORDER BY sequence_number
            """;
        const string tags = """
            SELECT t.tag, t.sequence_nr, j.sequence_number FROM tags t JOIN journal j ON j.ordering = t.ordering_id
            WHERE t.persistence_id = @id ORDER BY t.tag
            """;
        var byPlugin = await RowsAsync(journal, events, "by-plugin");
        Assert.Equal(3, byPlugin.Count);
        Assert.Equal(byPlugin, await RowsAsync(journal, events, "by-node"));
        var pluginTags = await RowsAsync(journal, tags, "by-plugin");
        Assert.Equal(["tag-a 2 2", "tag-b 2 2"], pluginTags);
        Assert.Equal(pluginTags, await RowsAsync(journal, tags, "by-node"));
    }

    [PostgresFact]
    public async Task A_write_beyond_the_queues_bound_fails_at_once_and_is_counted()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        using var metrics = new WriterMetrics(DatabaseOf(journal));
        await using var writer = await StandaloneWriter.StartAsync(journal, bufferSize: 2);

        Task[] queued;
        await using (var held = await HeldTableLock.TakeAsync(journal))
        {
            var inFlight = writer.Write("conversation-0", 1);
            await held.UntilAnInsertWaitsAsync();
            queued = [inFlight, writer.Write("conversation-1", 1), writer.Write("conversation-2", 1)];

            var refused = writer.Write("conversation-3", 1);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => refused.WaitAsync(Wait));
            Assert.Contains("write queue is full (2 writes", error.Message, StringComparison.Ordinal);
            Assert.Equal(1, metrics.Refused);
            Assert.All(queued, write => Assert.False(write.IsCompleted));
        }
        await Task.WhenAll(queued).WaitAsync(Wait);
        Assert.Equal(["conversation-0", "conversation-1", "conversation-2"], await RowsAsync(journal, "SELECT persistence_id FROM journal ORDER BY 1"));
    }

    [PostgresFact]
    public async Task With_two_lanes_the_next_batch_goes_out_on_a_second_connection_while_the_first_commits()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        await using var writer = await StandaloneWriter.StartAsync(journal, bufferSize: 10, lanes: 2);

        Task[] writes;
        await using (var held = await HeldTableLock.TakeAsync(journal))
        {
            var a1 = writer.Write("conversation-a", 1);
            await held.UntilAnInsertWaitsAsync();
            var b1 = writer.Write("conversation-b", 1);
            // Both batches on the wire at once, each on its connection, waiting for the lock.
            await held.UntilInsertsWaitAsync(2);
            // a's next write waits for a's batch, then goes out on the lane that frees first.
            writes = [a1, b1, writer.Write("conversation-a", 2)];
            Assert.All(writes, write => Assert.False(write.IsCompleted));
        }
        await Task.WhenAll(writes).WaitAsync(Wait);
        Assert.Equal(
            ["conversation-a 1", "conversation-a 2"],
            await RowsAsync(journal, "SELECT persistence_id || ' ' || sequence_number FROM journal WHERE persistence_id = 'conversation-a' ORDER BY ordering"));
        Assert.Equal(["conversation-b 1"], await RowsAsync(journal, "SELECT persistence_id || ' ' || sequence_number FROM journal WHERE persistence_id = 'conversation-b'"));
    }

    [PostgresFact]
    public async Task Stopping_lets_the_commit_in_flight_finish_and_fails_what_is_queued_cancelled()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Postgres);
        await using var writer = await StandaloneWriter.StartAsync(journal, bufferSize: 10);

        Task inFlight;
        Task[] queued;
        Task afterStop;
        await using (var held = await HeldTableLock.TakeAsync(journal))
        {
            inFlight = writer.Write("conversation-0", 1);
            await held.UntilAnInsertWaitsAsync();
            queued = [writer.Write("conversation-1", 1), writer.Write("conversation-2", 1)];

            writer.Writer.Stop();
            afterStop = writer.Write("conversation-3", 1);

            await Assert.ThrowsAsync<OperationCanceledException>(() => afterStop.WaitAsync(Wait));
            Assert.False(inFlight.IsCompleted);
        }
        await inFlight.WaitAsync(Wait);
        foreach (var write in queued) await Assert.ThrowsAsync<OperationCanceledException>(() => write.WaitAsync(Wait));
        await writer.Writer.Stopped.WaitAsync(Wait);
        Assert.Equal(["conversation-0"], await RowsAsync(journal, "SELECT persistence_id FROM journal ORDER BY 1"));
    }

    private static string? DatabaseOf(TestJournal journal) => new NpgsqlConnectionStringBuilder(journal.ConnectionString).Database;

    private static async Task ExecuteAsync(TestJournal journal, string sql)
    {
        await using var connection = (NpgsqlConnection)await journal.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(TestJournal journal, string sql)
    {
        await using var connection = (NpgsqlConnection)await journal.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Another connection holding the journal table in EXCLUSIVE mode, which the writer's inserts wait for until the
    /// test releases it: what queues meanwhile is what the test looks at.
    /// </summary>
    private sealed class HeldTableLock : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly NpgsqlTransaction _transaction;
        private readonly TestJournal _journal;

        private HeldTableLock(NpgsqlConnection connection, NpgsqlTransaction transaction, TestJournal journal)
        {
            _connection = connection;
            _transaction = transaction;
            _journal = journal;
        }

        public static async Task<HeldTableLock> TakeAsync(TestJournal journal)
        {
            var connection = (NpgsqlConnection)await journal.OpenConnectionAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE journal IN EXCLUSIVE MODE", connection, transaction))
                await command.ExecuteNonQueryAsync();
            return new HeldTableLock(connection, transaction, journal);
        }

        /// <summary>Returns once a statement of another connection to the database waits for a lock: the writer's insert.</summary>
        public Task UntilAnInsertWaitsAsync() => UntilInsertsWaitAsync(1);

        /// <summary>Returns once statements of <paramref name="connections"/> other connections wait for a lock.</summary>
        public async Task UntilInsertsWaitAsync(int connections)
        {
            using var timeout = new CancellationTokenSource(Wait);
            const string waiting = """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
                """;
            while (await CountAsync(_journal, waiting) < connections)
                await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await _transaction.RollbackAsync();
            await _transaction.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }

    /// <summary>A writer on the journal's tables with a queue of its own bound, outside any journal actor.</summary>
    private sealed class StandaloneWriter : IAsyncDisposable
    {
        private StandaloneWriter(PostgresEventWriter writer) => Writer = writer;

        public PostgresEventWriter Writer { get; }

        public static async Task<StandaloneWriter> StartAsync(TestJournal journal, int bufferSize, int lanes = 1)
        {
            var node = await journal.NodeConfigAsync();
            // The tables, as the plugin creates them for the node's journal.
            using (var kit = new TestKit(ActorSystem.Create("tables", node)))
            {
                var probe = kit.CreateTestProbe();
                Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null).Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "none", probe), probe);
                probe.ExpectMsg<RecoverySuccess>(Wait);
            }
            var config = new JournalConfig(node.GetConfig("akka.persistence.journal.sql").WithFallback(SqlPersistence.DefaultJournalConfiguration));
            return new StandaloneWriter(new PostgresEventWriter(journal.ConnectionString!, new JournalStatements(config.TableConfig, '@', "false"), 100, bufferSize, lanes));
        }

        public Task Write(string persistenceId, long sequenceNr) => Writer.WriteAsync(
        [
            new JournalRow
            {
                PersistenceId = persistenceId, SequenceNumber = sequenceNr, Message = [1, 2, 3], Manifest = "m", Identifier = 1,
                WriterUuid = "writer", Timestamp = DateTime.UtcNow.Ticks, TagArray = [],
            },
        ]);

        public async ValueTask DisposeAsync()
        {
            Writer.Stop();
            await Writer.Stopped.WaitAsync(Wait);
        }
    }
}
