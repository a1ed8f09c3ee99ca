using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Persistence.Sql;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// What the specs of the journals' own writers (<see cref="SqliteEventWriterSpec"/>, <see cref="PostgresEventWriterSpec"/>)
/// share: the node's journal, the writes a conversation sends it, the rows it left, and the writer's metrics.
/// </summary>
internal static class JournalWriterSpecs
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static IActorRef JournalOf(TestKit kit, string? pluginId = null) => Akka.Persistence.Persistence.Instance.Apply(kit.Sys).JournalFor(pluginId);

    /// <summary>Conversations whose first writes <see cref="WritesQueuedDuringACommitShareTheNextAsync"/> queues.</summary>
    public const int QueuedConversations = 20;

    /// <summary>
    /// Writes one conversation's event, then, while <paramref name="holdCommits"/> keeps the writer's commits waiting,
    /// one event of each of <see cref="QueuedConversations"/> others: all succeed in one commit, or two or three if the
    /// writer took the first before the rest had queued — not one each.
    /// </summary>
    /// <param name="database">The metrics' name of the journal's database.</param>
    public static async Task WritesQueuedDuringACommitShareTheNextAsync(TestJournal journal, string? database, Func<TestJournal, Task<IAsyncDisposable>> holdCommits)
    {
        using var commits = new WriterMetrics(database);
        using var kit = new TestKit(ActorSystem.Create("batching", await journal.NodeConfigAsync()));
        var probe = kit.CreateTestProbe();
        var node = JournalOf(kit);
        WriteOne(node, probe, "conversation-warm");
        commits.Clear();

        await using (await holdCommits(journal))
        {
            for (var i = 0; i < QueuedConversations; i++) node.Tell(Write($"conversation-{i}", 1, probe), probe);
            QueuedEverything(node, probe);
        }
        var replies = probe.ReceiveN(2 * QueuedConversations, Wait);

        Assert.Equal(QueuedConversations, replies.OfType<WriteMessageSuccess>().Count());
        Assert.Equal(QueuedConversations, commits.Rows.Sum());
        Assert.InRange(commits.Rows.Count, 1, 3);
    }

    /// <summary>The journal takes messages in order: once it answers a later read, it has queued every write before it.</summary>
    public static void QueuedEverything(IActorRef journal, TestProbe probe)
    {
        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "conversation-none", probe), probe);
        probe.ExpectMsg<RecoverySuccess>(Wait);
    }

    public static void WriteOne(IActorRef journal, TestProbe probe, string persistenceId)
    {
        journal.Tell(Write(persistenceId, 1, probe), probe);
        probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
        probe.ExpectMsg<WriteMessageSuccess>(Wait);
    }

    /// <summary>One event of one conversation, as its actor writes it; the journal answers <paramref name="writer"/>.</summary>
    public static WriteMessages Write(string persistenceId, long sequenceNr, IActorRef writer) =>
        new([new AtomicWrite(Persistent(persistenceId, sequenceNr))], writer, 1);

    public static Persistent Persistent(string persistenceId, long sequenceNr, object? payload = null) =>
        new(payload ?? Event(sequenceNr), sequenceNr, persistenceId, writerGuid: "writer");

    public static ToolResultRecorded Event(long i) => new($"call_{i}", Item.FunctionCallOutput($"call_{i}", $"output {i}"), IsError: false);

    public static IImmutableList<IPersistentRepresentation> ImmutableListOf(params IPersistentRepresentation[] events) => ImmutableList.Create(events);

    /// <summary>
    /// Each row of <paramref name="sql"/>, its columns joined by spaces; <paramref name="persistenceId"/>, if given, is
    /// the parameter <paramref name="parameter"/> (named as the database's driver names it).
    /// </summary>
    public static async Task<List<string>> RowsAsync(TestJournal journal, string sql, string? persistenceId = null, string parameter = "id")
    {
        await using var connection = await journal.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (persistenceId is not null)
        {
            var p = command.CreateParameter();
            p.ParameterName = parameter;
            p.Value = persistenceId;
            command.Parameters.Add(p);
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetValue(i).ToString())));
        return rows;
    }

    /// <summary>A writer's commits (rows each) and refused writes on one database, from the metrics.</summary>
    public sealed class WriterMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<int> _rows = new();
        private long _refused;

        /// <param name="database">The metrics' name of the database (<see cref="JournalWriterMetrics.DatabaseTag"/>).</param>
        public WriterMetrics(string? database)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EngineMetrics.MeterName
                    && instrument.Name is JournalWriterMetrics.CommitRows or JournalWriterMetrics.WritesRefused)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((_, rows, tags, _) =>
            {
                if (OfDatabase(tags, database)) _rows.Enqueue(rows);
            });
            _listener.SetMeasurementEventCallback<long>((_, count, tags, _) =>
            {
                if (OfDatabase(tags, database)) Interlocked.Add(ref _refused, count);
            });
            _listener.Start();
        }

        public List<int> Rows => [.. _rows];

        public long Refused => Interlocked.Read(ref _refused);

        public void Clear() => _rows.Clear();

        public void Dispose() => _listener.Dispose();

        private static bool OfDatabase(ReadOnlySpan<KeyValuePair<string, object?>> tags, string? database)
        {
            foreach (var tag in tags)
                if (tag.Key == JournalWriterMetrics.DatabaseTag && Equals(tag.Value, database))
                    return true;
            return false;
        }
    }
}
