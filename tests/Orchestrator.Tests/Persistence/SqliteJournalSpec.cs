using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// What <see cref="Orchestrator.Persistence.Sqlite.SqliteJournal"/> reads itself must agree with its writes in flight (its
/// replays are compared with the plugin's in <see cref="DirectReplaySqlJournalSpec"/>, its writes in
/// <see cref="SqliteEventWriterSpec"/>).
/// </summary>
public sealed class SqliteJournalSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_recovery_waits_for_the_write_in_flight_of_its_persistence_id()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        using var kit = new TestKit(ActorSystem.Create("highest", await journal.NodeConfigAsync()));
        var plugin = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null);
        var probe = kit.CreateTestProbe();
        plugin.Tell(Write(1, 2, probe), probe);
        probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
        probe.ReceiveN(2, Wait);

        await using (await HeldSqliteWriteLock.TakeAsync(journal))
        {
            plugin.Tell(Write(3, 3, probe), probe);
            plugin.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "highest", probe), probe);
            // Read now, the highest sequence number would be 2, and the next event numbered 3 again.
            probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        }

        // The write's two confirmations, three events replayed and the recovery's end, the write's and the replay's
        // in either order.
        var received = probe.ReceiveN(6, Wait);
        Assert.Contains(received, m => m is WriteMessagesSuccessful);
        Assert.Contains(received, m => m is WriteMessageSuccess);
        Assert.Equal([1L, 2L, 3L], received.OfType<ReplayedMessage>().Select(m => m.Persistent.SequenceNr));
        Assert.Equal(3, received.OfType<RecoverySuccess>().Single().HighestSequenceNr);
    }

    private static WriteMessages Write(int from, int to, IActorRef writer) => new(
        Enumerable.Range(from, to - from + 1).Select(i => new AtomicWrite(new Persistent($"event {i}", i, "highest"))).ToList<IPersistentEnvelope>(),
        writer, 1);
}
