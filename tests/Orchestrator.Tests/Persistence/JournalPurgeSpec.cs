using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// What a conversation's delete leaves in the journal, as a node configures it: deleting every snapshot and then every
/// event of a persistence id purges it (no row of it in the journal, tag and snapshot tables) while its neighbours stay
/// whole; on SQLite its text is gone from the database file and its WAL while the node still runs; and a new
/// incarnation under the same id starts from nothing.
/// </summary>
public sealed class JournalPurgeSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task Deleting_every_snapshot_and_event_leaves_no_row_and_on_sqlite_no_byte_of_its_text(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        var secret = $"forget-me-{Guid.NewGuid():N}";
        using var system = await StartNodeAsync(journal);
        var forgotten = system.ActorOf(Props.Create(() => new Forgettable("conversation-forgotten")));
        var neighbour = system.ActorOf(Props.Create(() => new Forgettable("conversation-neighbour")));

        // Interleaved with a neighbour's events and long enough to split pages, so that rows move while they are written.
        for (var round = 0; round < 20; round++)
        {
            await forgotten.Ask<Done>(new Write(Events($"{secret} round {round}", 10), Tag: "forget-tag"), Wait);
            await neighbour.Ask<Done>(new Write(Events($"neighbour round {round}", 10), Tag: null), Wait);
        }
        await forgotten.Ask<Done>(new SaveState(Snapshot(secret)), Wait);
        await neighbour.Ask<Done>(new SaveState(Snapshot("neighbour")), Wait);

        await forgotten.Ask<Done>(Forget.Instance, Wait);

        Assert.Equal((0L, 0L, 0L), await RowsOfAsync(journal, "conversation-forgotten"));
        Assert.Equal((200L, 0L, 1L), await RowsOfAsync(journal, "conversation-neighbour"));
        if (kind == JournalKind.Sqlite)
        {
            // Read while the node runs: its connections are open, and the WAL exists as it does in service.
            var database = Path.Combine(journal.DataDirectory!, SqliteJournalStore.FileName);
            foreach (var file in new[] { database, database + "-wal" })
                Assert.False(FileBytes.Contain(file, secret), $"{Path.GetFileName(file)} still holds the deleted conversation's text");
            Assert.True(FileBytes.Contain(database, "neighbour round 19") || FileBytes.Contain(database + "-wal", "neighbour round 19"), "the neighbour's text is where the test looks");
        }
        await system.Terminate().WaitAsync(Wait);
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task A_persistence_id_written_again_after_its_purge_starts_at_sequence_one_with_nothing_of_before(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        using var system = await StartNodeAsync(journal);
        var first = system.ActorOf(Props.Create(() => new Forgettable("conversation-again")));
        await first.Ask<Done>(new Write(Events("before", 5), Tag: "forget-tag"), Wait);
        await first.Ask<Done>(new SaveState(Snapshot("before")), Wait);
        await first.Ask<Done>(Forget.Instance, Wait);
        await first.GracefulStop(Wait);

        var second = system.ActorOf(Props.Create(() => new Forgettable("conversation-again")));
        var recovered = await second.Ask<Recovered>(Read.Instance, Wait);
        Assert.Equal((null, 0, 0L), (recovered.Snapshot, recovered.Events.Count, recovered.LastSequenceNr));
        var after = Events("after", 2);
        await second.Ask<Done>(new Write(after, Tag: null), Wait);
        await second.GracefulStop(Wait);

        var third = await system.ActorOf(Props.Create(() => new Forgettable("conversation-again"))).Ask<Recovered>(Read.Instance, Wait);
        Assert.Equal(after.Select(MessageId), third.Events.Select(MessageId));
        Assert.Equal(2L, third.LastSequenceNr);
        await system.Terminate().WaitAsync(Wait);
    }

    /// <summary>A node's actor system on the journal: on SQLite with the node's connection options (pragmas included).</summary>
    private static async Task<ActorSystem> StartNodeAsync(TestJournal journal)
    {
        var config = await journal.NodeConfigAsync();
        if (journal.Kind != JournalKind.Sqlite) return ActorSystem.Create("purge", config);
        var options = SqliteConnectionInterceptor.DataOptions(config.GetString("akka.persistence.journal.sql.connection-string"), SqliteSynchronous.Full);
        return ActorSystem.Create("purge", ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), SqliteConnectionInterceptor.Setup(options)));
    }

    private static List<IPersistedEvent> Events(string text, int count) =>
        Enumerable.Range(0, count).Select(i => (IPersistedEvent)new UserMessageAccepted($"m-{Guid.NewGuid():N}", Item.UserMessage($"{text} {i}" + new string('.', 400)))).ToList();

    private static string MessageId(IPersistedEvent e) => ((UserMessageAccepted)e).MessageId;

    private static ConversationSnapshot Snapshot(string text) => new(
        new ConversationSettings("gpt-5.1", "Be brief."), Window: [Item.UserMessage($"{text} in a snapshot")], ChainLength: 1, LastResponseId: "resp_1",
        OpenCalls: [], TurnOpen: false, TurnMessageIds: [], Queued: [], MessageIds: ["m-1"]);

    private static async Task<(long Events, long Tags, long Snapshots)> RowsOfAsync(TestJournal journal, string persistenceId) =>
        (await journal.CountRowsAsync("journal", persistenceId), await journal.CountRowsAsync("tags", persistenceId), await journal.CountRowsAsync("snapshot", persistenceId));

    private sealed record Write(IReadOnlyList<IPersistedEvent> Events, string? Tag);

    private sealed record SaveState(IPersistedSnapshot State);

    private sealed class Forget
    {
        public static readonly Forget Instance = new();
    }

    private sealed class Read
    {
        public static readonly Read Instance = new();
    }

    private sealed class Done
    {
        public static readonly Done Instance = new();
    }

    private sealed record Recovered(IPersistedSnapshot? Snapshot, IReadOnlyList<IPersistedEvent> Events, long LastSequenceNr);

    /// <summary>Persists, snapshots and forgets as a conversation does (snapshots first, then every event).</summary>
    private sealed class Forgettable : ReceivePersistentActor
    {
        private readonly List<IPersistedEvent> _events = [];
        private IPersistedSnapshot? _snapshot;
        private IActorRef? _waiting;

        public Forgettable(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<SnapshotOffer>(offer => _snapshot = (IPersistedSnapshot)offer.Snapshot);
            Recover<IPersistedEvent>(_events.Add);
            Command<Write>(write =>
            {
                var sender = Sender;
                var left = write.Events.Count;
                var events = write.Events.Select(e => write.Tag is null ? (object)e : new Tagged(e, [write.Tag]));
                PersistAll(events, _ =>
                {
                    if (--left == 0) sender.Tell(Done.Instance);
                });
            });
            Command<SaveState>(save =>
            {
                _waiting = Sender;
                SaveSnapshot(save.State);
            });
            Command<SaveSnapshotSuccess>(_ => _waiting?.Tell(Done.Instance));
            Command<Forget>(_ =>
            {
                _waiting = Sender;
                DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
            });
            Command<DeleteSnapshotsSuccess>(_ => DeleteMessages(LastSequenceNr));
            Command<DeleteMessagesSuccess>(_ => _waiting?.Tell(Done.Instance));
            Command<SaveSnapshotFailure>(failed => _waiting?.Tell(new Status.Failure(failed.Cause)));
            Command<DeleteSnapshotsFailure>(failed => _waiting?.Tell(new Status.Failure(failed.Cause)));
            Command<DeleteMessagesFailure>(failed => _waiting?.Tell(new Status.Failure(failed.Cause)));
            Command<Read>(_ => Sender.Tell(new Recovered(_snapshot, _events.ToList(), LastSequenceNr)));
        }

        public override string PersistenceId { get; }
    }
}
