using System.Data.Common;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LinqToDB.Interceptors;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Persistence.Sql;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The node's journal replays what the plugin's own journal replays — the same events, in the same order, within the same
/// bounds, without deleted ones, across batches — read side by side from one database, through the real plugin
/// configured as a node configures it: <see cref="SqliteJournal"/> on SQLite, <see cref="DirectReplaySqlJournal"/> on
/// PostgreSQL.
/// </summary>
public sealed class DirectReplaySqlJournalSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private const int Events = 10;
    private const int Deleted = 2;

    /// <summary>Small, so that most replays below span several batches.</summary>
    private const int ReplayBatchSize = 3;

    public static TheoryData<long, long, long> Bounds => new()
    {
        { 1, long.MaxValue, long.MaxValue },
        { 0, long.MaxValue, long.MaxValue },
        { 1, 7, long.MaxValue },
        { 4, 9, long.MaxValue },
        { 1, long.MaxValue, 3 },
        { 1, long.MaxValue, 4 },
        { 5, 5, long.MaxValue },
        { 9, 7, long.MaxValue },
        { 1, long.MaxValue, 0 },
        { 11, long.MaxValue, long.MaxValue },
    };

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task Replays_what_the_plugins_journal_replays(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        using var kit = new TestKit(ActorSystem.Create("replay", await ConfigAsync(journal)));
        var direct = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null);
        var stock = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(TestJournal.StockJournal);
        var probe = kit.CreateTestProbe();
        WriteAndDeleteEvents(direct, probe, "conversation-replay");

        foreach (var bounds in Bounds)
        {
            var (from, to, max) = ((long)bounds[0], (long)bounds[1], (long)bounds[2]);
            var expected = Replay(stock, probe, "conversation-replay", from, to, max);
            var actual = Replay(direct, probe, "conversation-replay", from, to, max);
            Assert.Equal(expected, actual);
        }
        Assert.Equal(
            [.. Enumerable.Range(Deleted + 1, Events - Deleted).Select(i => Describe(i, Event(i))), $"highest {Events}"],
            Replay(direct, probe, "conversation-replay", 1, long.MaxValue, long.MaxValue).Select(line => line.Split(" by ")[0]));
        Assert.Equal(["highest 0"], Replay(direct, probe, "conversation-none", 1, long.MaxValue, long.MaxValue));
    }

    [Fact]
    public async Task Reads_through_the_linq2db_options_the_node_gives_its_plugins()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        // The linq2db replay, as PostgreSQL's journal runs it, on the SQLite journal whose statements can be counted.
        var config = ConfigurationFactory.ParseString($$"""
                akka.persistence.journal.sql.replay-batch-size = {{ReplayBatchSize}}
                akka.persistence.journal.sql.class = "{{typeof(DirectReplaySqlJournal).FullName}}, Orchestrator.Persistence.Sql"
                """)
            .WithFallback(await journal.NodeConfigAsync());
        var replayQueries = new JournalSelectCounter();
        using var kit = new TestKit(ActorSystem.Create("replay-options", TestJournal.SqliteNodeSetup(config, replayQueries)));
        var direct = Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(null);
        var probe = kit.CreateTestProbe();
        WriteAndDeleteEvents(direct, probe, "conversation-options");
        var before = replayQueries.Count;

        var replayed = Replay(direct, probe, "conversation-options", 1, long.MaxValue, long.MaxValue);

        Assert.Equal(Events - Deleted + 1, replayed.Count);
        // 8 events in batches of 3: three queries, the last one short.
        Assert.Equal(3, replayQueries.Count - before);
    }

    /// <summary>The node's configuration, with small replay batches and the plugin's own journal on the same tables.</summary>
    private static async Task<Config> ConfigAsync(TestJournal journal)
    {
        var node = ConfigurationFactory.ParseString($"akka.persistence.journal.sql.replay-batch-size = {ReplayBatchSize}")
            .WithFallback(await journal.NodeConfigAsync());
        return TestJournal.StockPlugin(
            node, "akka.persistence.journal.sql", TestJournal.StockJournal, "Akka.Persistence.Sql.Journal.SqlWriteJournal", $"replay-batch-size = {ReplayBatchSize}");
    }

    /// <summary>Events 1 to <see cref="Events"/>, then events 1 to <see cref="Deleted"/> deleted.</summary>
    private static void WriteAndDeleteEvents(IActorRef journal, TestProbe probe, string persistenceId)
    {
        var events = Enumerable.Range(1, Events)
            .Select(i => new AtomicWrite(new Persistent(Event(i), i, persistenceId)))
            .ToList<IPersistentEnvelope>();
        journal.Tell(new WriteMessages(events, probe, 1), probe);
        probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
        probe.ReceiveN(Events, Wait);
        journal.Tell(new DeleteMessagesTo(persistenceId, Deleted, probe), probe);
        probe.ExpectMsg<DeleteMessagesSuccess>(Wait);
    }

    /// <summary>What a recovery receives, one line per event, and the highest sequence number it is told.</summary>
    private static List<string> Replay(IActorRef journal, TestProbe probe, string persistenceId, long from, long to, long max)
    {
        journal.Tell(new ReplayMessages(from, to, max, persistenceId, probe), probe);
        var lines = new List<string>();
        while (true)
        {
            switch (probe.ReceiveOne(Wait))
            {
                case ReplayedMessage { Persistent: var p }:
                    Assert.Equal(persistenceId, p.PersistenceId);
                    lines.Add($"{Describe((int)p.SequenceNr, p.Payload)} by {p.WriterGuid} as {p.Manifest}");
                    break;
                case RecoverySuccess success:
                    lines.Add($"highest {success.HighestSequenceNr}");
                    return lines;
                case var other:
                    throw new Xunit.Sdk.XunitException($"unexpected {other}");
            }
        }
    }

    private static ToolResultRecorded Event(int i) => new($"call_{i}", Item.FunctionCallOutput($"call_{i}", $"output {i}"), IsError: false);

    private static string Describe(int sequenceNr, object payload) =>
        payload is ToolResultRecorded recorded ? $"{sequenceNr} {recorded.CallId} {recorded.Output}" : $"{sequenceNr} {payload}";

    /// <summary>Counts the statements that read the journal table.</summary>
    private sealed class JournalSelectCounter : CommandInterceptor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override DbCommand CommandInitialized(CommandEventData eventData, DbCommand command)
        {
            if (command.CommandText.Contains("FROM", StringComparison.OrdinalIgnoreCase)
                && command.CommandText.Contains("[journal]", StringComparison.OrdinalIgnoreCase)
                && command.CommandText.Contains("ORDER BY", StringComparison.OrdinalIgnoreCase))
                Interlocked.Increment(ref _count);
            return command;
        }
    }
}
