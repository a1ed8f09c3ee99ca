using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Serialization;
using Akka.TestKit;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence.Tck;

/// <summary>
/// Akka.Persistence.TCK's <c>JournalSpec</c>, case by case, on the node's journal: <c>SqliteJournal</c> on SQLite,
/// <c>PostgresJournal</c> on PostgreSQL. Each case starts, as in the TCK, with events a-1 to a-5 of its
/// persistence id written (4 and 5 in one atomic write). README.md beside this file lists what is ported and what not.
/// </summary>
public sealed class JournalSpec
{
    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_all_messages(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 1, long.MaxValue, long.MaxValue);
        ExpectReplayed(tck, receiver, 1, 5);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_messages_using_a_lower_sequence_number_bound(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 3, long.MaxValue, long.MaxValue);
        ExpectReplayed(tck, receiver, 3, 5);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_messages_using_an_upper_sequence_number_bound(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 1, 3, long.MaxValue);
        ExpectReplayed(tck, receiver, 1, 3);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_messages_using_a_count_limit(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 1, long.MaxValue, 3);
        ExpectReplayed(tck, receiver, 1, 3);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_messages_using_lower_and_upper_sequence_number_bound(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 2, 3, long.MaxValue);
        ExpectReplayed(tck, receiver, 2, 3);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_messages_using_lower_and_upper_sequence_number_bound_and_count_limit(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 2, 5, 2);
        ExpectReplayed(tck, receiver, 2, 3);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_a_single_if_lower_sequence_number_bound_equals_upper_sequence_number_bound(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 2, 2, long.MaxValue);
        ExpectReplayed(tck, receiver, 2, 2);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_replay_a_single_message_if_count_limit_is_equal_one(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 2, 4, 1);
        ExpectReplayed(tck, receiver, 2, 2);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_not_replay_messages_if_count_limit_equals_zero(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 2, 4, 0);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_not_replay_messages_if_lower_sequence_number_bound_is_greater_than_upper_sequence_number_bound(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 3, 2, long.MaxValue);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_not_replay_messages_if_the_persistent_actor_has_not_yet_written_messages(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Journal(tck).Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, "non-existing-pid", receiver.Ref));
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 0L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_not_replay_permanently_deleted_messages_on_range_deletion(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        var receiver2 = tck.Kit.CreateTestProbe();
        var command = new DeleteMessagesTo(tck.Pid, 3, receiver2.Ref);
        var subscriber = tck.Kit.CreateTestProbe();

        tck.Subscribe(typeof(DeleteMessagesTo), subscriber.Ref);
        Journal(tck).Tell(command);
        subscriber.ExpectMsg<DeleteMessagesTo>(cmd => cmd.PersistenceId == tck.Pid && cmd.ToSequenceNr == 3);
        receiver2.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == command.ToSequenceNr);

        Replay(tck, receiver, 1, long.MaxValue, long.MaxValue);
        ExpectReplayed(tck, receiver, 4, 5);

        // The TCK waits 200 ms for silence here; a replay answered to the same probe comes after anything the delete
        // could still send it, so the probe's next message must be that replay's end.
        Journal(tck).Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, "non-existing-pid", receiver2.Ref));
        receiver2.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 0L);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_not_reset_HighestSequenceNr_after_message_deletion(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        Replay(tck, receiver, 0, long.MaxValue, long.MaxValue);
        ExpectReplayed(tck, receiver, 1, 5);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);

        Journal(tck).Tell(new DeleteMessagesTo(tck.Pid, 3L, receiver.Ref));
        receiver.ExpectMsg<DeleteMessagesSuccess>(m => m.ToSequenceNr == 3L);

        Replay(tck, receiver, 0, long.MaxValue, long.MaxValue);
        ExpectReplayed(tck, receiver, 4, 5);
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == 5L);
    }

    /// <summary>
    /// As the TCK's case, but for the writer id of the replayed event: the plugin writes its journal's own writer id
    /// into <c>writer_uuid</c>, not the event's (README.md, deviations), so only the confirmation carries the event's.
    /// </summary>
    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_should_serialize_events(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        var receiver = Initialize(tck);
        var probe = tck.Kit.CreateTestProbe();
        var @event = new TestPayload(probe.Ref);
        var aw = new AtomicWrite(new Persistent(@event, 6L, tck.Pid, sender: ActorRefs.NoSender, writerGuid: tck.WriterGuid));

        Journal(tck).Tell(new WriteMessages([aw], probe.Ref, tck.ActorInstanceId));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        probe.ExpectMsg<WriteMessageSuccess>(o =>
        {
            Assert.Equal(tck.WriterGuid, o.Persistent.WriterGuid);
            AssertSerialized(tck, @event, o.Persistent);
        });

        Replay(tck, receiver, 6L, long.MaxValue, long.MaxValue);

        receiver.ExpectMsg<ReplayedMessage>(o => AssertSerialized(tck, @event, o.Persistent));
        Assert.Equal(6L, receiver.ExpectMsg<RecoverySuccess>().HighestSequenceNr);
    }

    /// <summary>
    /// The node's journal rejects the one event of a batch that fails to serialise and writes the others
    /// (<c>SupportsRejectingNonSerializableObjects</c>). Where the TCK skips when the serializer does not fail, this
    /// port asserts that it fails: the case is then known to have run. Akka's Newtonsoft.Json settings serialise the
    /// TCK's event (an <c>ISerializable</c> that throws) without calling it, so this event throws from a property.
    /// </summary>
    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task Journal_optionally_may_reject_non_serializable_events(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(JournalSpec));
        Initialize(tck);
        var serializer = tck.Kit.Sys.Serialization.FindSerializerForType(typeof(NotSerializableEvent));
        Assert.IsType<NewtonSoftJsonSerializer>(serializer);
        Assert.ThrowsAny<Exception>(() =>
        {
            var deserialized = serializer.FromBinary<NotSerializableEvent>(serializer.ToBinary(new NotSerializableEvent(true)));
            Assert.IsType<NotSerializableEvent>(deserialized);
        });

        var messages = Enumerable.Range(6, 3).Select(i =>
        {
            var evt = i == 7 ? (object)new NotSerializableEvent(false) : "b-" + i;
            return new AtomicWrite(new Persistent(evt, i, tck.Pid, sender: ActorRefs.NoSender, writerGuid: tck.WriterGuid));
        }).ToArray();

        var probe = tck.Kit.CreateTestProbe();
        Journal(tck).Tell(new WriteMessages(messages, probe.Ref, tck.ActorInstanceId));
        probe.ExpectMsg<WriteMessagesSuccessful>();

        var pid = tck.Pid;
        var writerGuid = tck.WriterGuid;
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 6L &&
                                                  m.Persistent.PersistenceId.Equals(pid) &&
                                                  m.Persistent.Sender == null &&
                                                  m.Persistent.WriterGuid.Equals(writerGuid) &&
                                                  m.Persistent.Payload.Equals("b-6"));
        probe.ExpectMsg<WriteMessageRejected>(m => m.Persistent.SequenceNr == 7L &&
                                                   m.Persistent.PersistenceId.Equals(pid) &&
                                                   m.Persistent.Sender == null &&
                                                   m.Persistent.WriterGuid.Equals(writerGuid) &&
                                                   m.Persistent.Payload is NotSerializableEvent);
        probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.SequenceNr == 8L &&
                                                  m.Persistent.PersistenceId.Equals(pid) &&
                                                  m.Persistent.Sender == null &&
                                                  m.Persistent.WriterGuid.Equals(writerGuid) &&
                                                  m.Persistent.Payload.Equals("b-8"));
    }

    private static IActorRef Journal(TckSystem tck) => tck.Extension.JournalFor(null);

    /// <summary>
    /// The TCK's <c>Initialize</c>: events a-1 to a-5 written with a sender and the case's writer id, a-4 and a-5 in
    /// one atomic write (the node's journal writes several events atomically), each write confirmed in order; then the case's receiver.
    /// </summary>
    private static TestProbe Initialize(TckSystem tck)
    {
        var sender = tck.Kit.CreateTestProbe();
        Persistent Event(int i) => new("a-" + i, i, tck.Pid, string.Empty, false, sender.Ref, tck.WriterGuid);
        var messages = Enumerable.Range(1, 4)
            .Select(i => i == 4 ? new AtomicWrite(new[] { Event(i), Event(i + 1) }.ToImmutableList<IPersistentRepresentation>()) : new AtomicWrite(Event(i)))
            .ToArray();
        var probe = tck.Kit.CreateTestProbe();

        Journal(tck).Tell(new WriteMessages(messages, probe.Ref, tck.ActorInstanceId));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        for (var i = 1; i <= 5; i++)
        {
            var n = i;
            probe.ExpectMsg<WriteMessageSuccess>(m => m.Persistent.Payload.ToString() == "a-" + n && m.Persistent.SequenceNr == n && m.Persistent.PersistenceId == tck.Pid);
        }
        return tck.Kit.CreateTestProbe();
    }

    private static void Replay(TckSystem tck, TestProbe receiver, long from, long to, long max) =>
        Journal(tck).Tell(new ReplayMessages(from, to, max, tck.Pid, receiver.Ref));

    /// <summary>Events a-<paramref name="from"/> to a-<paramref name="to"/> replayed to <paramref name="receiver"/>, in order.</summary>
    private static void ExpectReplayed(TckSystem tck, TestProbe receiver, int from, int to)
    {
        for (var i = from; i <= to; i++) receiver.ExpectMsg<ReplayedMessage>(m => IsReplayedMessage(tck, m, i));
    }

    private static bool IsReplayedMessage(TckSystem tck, ReplayedMessage message, long seqNr, bool isDeleted = false)
    {
        var p = message.Persistent;
        return p.IsDeleted == isDeleted && p.Payload.ToString() == "a-" + seqNr && p.PersistenceId == tck.Pid && p.SequenceNr == seqNr;
    }

    private static void AssertSerialized(TckSystem tck, TestPayload @event, IPersistentRepresentation persistent)
    {
        Assert.Equal(tck.Pid, persistent.PersistenceId);
        Assert.Equal(6L, persistent.SequenceNr);
        Assert.True(persistent.Sender == ActorRefs.NoSender || persistent.Sender.Equals(tck.Kit.Sys.DeadLetters),
            $"Expected the sender to be null or {tck.Kit.Sys.DeadLetters}, but found {persistent.Sender}");
        Assert.Equal(@event, persistent.Payload);
    }

    /// <summary>An event Newtonsoft.Json fails on, as the TCK's is meant to: reading its property throws.</summary>
    private sealed class NotSerializableEvent(bool foo)
    {
        public bool Foo => throw new NotSupportedException($"{nameof(NotSerializableEvent)} {foo} cannot be serialised");
    }
}
