using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The SQLite journal replays without Akka's replay filter (an actor per recovery, relaying every event), which drops
/// events an old writer interleaved with a new one's. Its table cannot hold such an interleaving: a second writer's
/// events under a sequence number already taken are refused, all of their atomic write.
/// </summary>
public sealed class SqliteReplayFilterSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Is_off_as_the_table_refuses_a_second_writer_under_a_taken_sequence_number()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        var config = await journal.NodeConfigAsync();
        Assert.Equal("off", config.GetString("akka.persistence.journal.sql.replay-filter.mode"));
        using var kit = new TestKit(ActorSystem.Create("writers", config));
        var plugin = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null);
        var probe = kit.CreateTestProbe();

        plugin.Tell(Write("old", probe, 1, 2), probe);
        probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
        Assert.All(probe.ReceiveN(2, Wait), m => Assert.IsType<WriteMessageSuccess>(m));
        // A new incarnation that numbers from 2 (it missed the old one's last event): its write fails whole.
        plugin.Tell(Write("new", probe, 2, 3), probe);
        Assert.DoesNotContain(probe.ReceiveN(3, Wait), m => m is WriteMessageSuccess or WriteMessagesSuccessful);

        plugin.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "writers", probe), probe);
        var replayed = probe.ReceiveN(2, Wait).Cast<ReplayedMessage>().Select(m => (m.Persistent.SequenceNr, m.Persistent.Payload));
        Assert.Equal([(1L, "old 1"), (2L, "old 2")], replayed);
        Assert.Equal(2, probe.ExpectMsg<RecoverySuccess>(Wait).HighestSequenceNr);
    }

    /// <summary>One atomic write of <paramref name="writer"/>'s events <paramref name="from"/> to <paramref name="to"/>.</summary>
    private static WriteMessages Write(string writer, IActorRef sender, int from, int to) => new(
        [new AtomicWrite(Enumerable.Range(from, to - from + 1)
            .Select(i => (IPersistentRepresentation)new Persistent($"{writer} {i}", i, "writers", string.Empty, false, sender, writer))
            .ToImmutableList())],
        sender, 1);
}
