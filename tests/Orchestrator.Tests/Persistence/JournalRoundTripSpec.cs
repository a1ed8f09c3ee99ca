using System.Data.Common;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using Npgsql;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// Every persisted event type, and the conversation snapshot, written through the real Akka.Persistence.Sql plugin,
/// configured as a node configures it, and read back by a new actor system: on SQLite and on PostgreSQL. The rows
/// carry our serializer and manifests, so the journal stays readable across releases.
/// </summary>
public sealed class JournalRoundTripSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static readonly IReadOnlyList<IPersistedEvent> EveryEvent =
    [
        new ConversationStarted(new ConversationSettings("gpt-5.1", "Be brief.", Store: false)),
        new ConversationStarted(new ConversationSettings("gpt-5.1")),
        new UserMessageAccepted("msg-1", Item.UserMessage("Compare Zürich and Oslo: \"quotes\", back\\slash, emoji 🌍, 'single'")),
        new ResponseRecorded("resp_1",
            [
                Item.Parse("""{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"gAAAAABo-opaque=="}"""),
                Item.Parse("""{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Zürich\"}","status":"completed"}"""),
                Item.Parse("""{"type":"web_search_call","id":"ws_1","status":"completed","x_future_field":{"nested":[1,2.5,true,null,"s"]}}"""),
            ],
            new Usage { InputTokens = 1200, InputTokensDetails = new InputTokensDetails { CachedTokens = 1024 }, OutputTokens = 35, TotalTokens = 1235 }),
        new ResponseRecorded("resp_2", []),
        new ToolResultRecorded("call_1", Item.FunctionCallOutput("call_1", """{"city":"Zürich","temperature_c":21}"""), IsError: false),
        new ToolResultRecorded("call_2", Item.FunctionCallOutput("call_2", """{"error":"timed_out"}"""), IsError: true),
        new TurnAbandoned("the server rejected the request: 400 invalid_request_error: bad"),
        new WindowCompacted(
            [
                Item.UserMessage("Compare Zürich and Oslo"),
                Item.Parse("""{"type":"compaction","id":"cmp_1","encrypted_content":"gAAAAABo-compacted=="}"""),
            ],
            InputTokensBefore: 212_000),
        new TurnInputDropped("the server refused the request as too large (400 message_too_large: The message exceeds the maximum size of 16777216 bytes.), even compacted"),
        new ClientToolCallsAwaited(["call_3", "call_4"], new DateTimeOffset(2026, 12, 7, 17, 0, 0, TimeSpan.Zero)),
        new ConversationStarted(new ConversationSettings("gpt-5.1", Tools: new ConversationToolSettings(
            [new ClientTool("crm_search", "Searches the CRM.", System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"q":{"type":"string"}}}""").RootElement)],
            [System.Text.Json.JsonDocument.Parse("""{"type":"web_search","x_future_field":1}""").RootElement],
            System.Text.Json.JsonDocument.Parse("\"required\"").RootElement,
            ParallelToolCalls: false,
            ClientToolTimeout: TimeSpan.FromSeconds(90)))),
        new SteerApplied(["msg-2"], "resp_3"),
        new SteerApplied(["msg-3"], "resp_5", new ResponseRecorded("resp_4", [Item.Parse("""{"type":"message","id":"msg_4","role":"assistant","status":"incomplete","content":[{"type":"output_text","text":"Zürich is"}]}""")])),
        new ConversationStarted(new ConversationSettings("gpt-5.1", Steering: true, PromptCache: new PromptCacheOptions("explicit", "1h", Prewarm: true, "resp_0"))),
    ];

    private static readonly ConversationSnapshot Snapshot = new(
        new ConversationSettings("gpt-5.1", "Be brief."),
        Window: [Item.UserMessage("Compare Zürich and Oslo"), Item.FunctionCallOutput("call_1", """{"temperature_c":21}""")],
        ChainLength: 2,
        LastResponseId: "resp_1",
        OpenCalls: [new OpenCallSnapshot("call_2", "get_weather", """{"city":"Oslo"}"""), new OpenCallSnapshot("call_1", "get_weather", "{}", Item.FunctionCallOutput("call_1", "ok"))],
        TurnOpen: true,
        TurnMessageIds: ["msg-1"],
        Queued: [new QueuedMessageSnapshot("msg-2", Item.UserMessage("and Rome?"))],
        MessageIds: ["msg-1", "msg-2"],
        TurnInputStart: 1,
        TurnRounds: 2,
        TurnToolCalls: 3,
        TurnCompactions: 1);

    [Fact]
    public void The_sample_holds_every_persisted_event_type()
    {
        var eventTypes = typeof(IPersistedEvent).Assembly.GetTypes()
            .Where(t => typeof(IPersistedEvent).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });

        Assert.Equal(eventTypes.OrderBy(t => t.Name), EveryEvent.Select(e => e.GetType()).Distinct().OrderBy(t => t.Name));
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task Every_event_type_reads_back_unchanged_in_a_new_actor_system(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        var config = await journal.NodeConfigAsync();

        using (var writer = ActorSystem.Create("writer", config))
        {
            var recorder = writer.ActorOf(Props.Create(() => new Recorder("conversation-rt")));
            Assert.Same(Written.Instance, await recorder.Ask<Written>(new Write(EveryEvent), Wait));
            await writer.Terminate().WaitAsync(Wait);
        }

        using var reader = ActorSystem.Create("reader", config);
        var recovered = await reader.ActorOf(Props.Create(() => new Recorder("conversation-rt"))).Ask<Recovered>(Read.Instance, Wait);
        await reader.Terminate().WaitAsync(Wait);

        Assert.Null(recovered.Snapshot);
        Assert.Equal(EveryEvent.Select(e => e.GetType()), recovered.Events.Select(e => e.GetType()));
        // Same bytes under our serializer: the same event, lists of opaque items included.
        var serializer = new PersistedEventSerializer(null!);
        Assert.Equal(EveryEvent.Select(serializer.ToBinary), recovered.Events.Select(serializer.ToBinary));
        Assert.Equal(EveryEvent.Take(2), recovered.Events.Take(2));
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task Journal_rows_carry_our_serializer_id_and_versioned_manifests(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        using (var system = ActorSystem.Create("writer", await journal.NodeConfigAsync()))
        {
            await system.ActorOf(Props.Create(() => new Recorder("conversation-rows"))).Ask<Written>(new Write(EveryEvent), Wait);
            await system.Terminate().WaitAsync(Wait);
        }

        var serializer = new PersistedEventSerializer(null!);
        var rows = await ReadRowsAsync(journal, "conversation-rows");

        Assert.Equal(EveryEvent.Select(e => (serializer.Identifier, serializer.Manifest(e))), rows);
    }

    [Theory]
    [JournalData(JournalKind.Sqlite)]
    [JournalData(JournalKind.Postgres)]
    public async Task A_conversation_snapshot_is_offered_first_and_only_later_events_replay(JournalKind kind)
    {
        await using var journal = await TestJournal.CreateAsync(kind);
        var config = await journal.NodeConfigAsync();

        using (var writer = ActorSystem.Create("writer", config))
        {
            var recorder = writer.ActorOf(Props.Create(() => new Recorder("conversation-snap")));
            await recorder.Ask<Written>(new Write(EveryEvent.Take(3).ToList()), Wait);
            await recorder.Ask<SnapshotSaved>(new SaveState(Snapshot), Wait);
            await recorder.Ask<Written>(new Write(EveryEvent.Skip(3).ToList()), Wait);
            await writer.Terminate().WaitAsync(Wait);
        }

        using var reader = ActorSystem.Create("reader", config);
        var recovered = await reader.ActorOf(Props.Create(() => new Recorder("conversation-snap"))).Ask<Recovered>(Read.Instance, Wait);
        await reader.Terminate().WaitAsync(Wait);

        var serializer = new PersistedEventSerializer(null!);
        Assert.Equal(serializer.ToBinary(Snapshot), serializer.ToBinary(Assert.IsType<ConversationSnapshot>(recovered.Snapshot)));
        Assert.Equal(EveryEvent.Skip(3).Select(e => e.GetType()), recovered.Events.Select(e => e.GetType()));
    }

    [Fact]
    public async Task On_sqlite_recovery_reads_do_not_wait_for_a_writer_holding_the_database()
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        var config = await journal.NodeConfigAsync();
        using (var writer = ActorSystem.Create("writer", config))
        {
            await writer.ActorOf(Props.Create(() => new Recorder("conversation-read"))).Ask<Written>(new Write(EveryEvent), Wait);
            await writer.Terminate().WaitAsync(Wait);
        }

        // The reader's plugin is started and its queries compiled first, so that the timed recovery below is only reads.
        using var reader = ActorSystem.Create("reader", config);
        await reader.ActorOf(Props.Create(() => new Recorder("conversation-warm"))).Ask<Recovered>(Read.Instance, Wait);

        // Another connection holds the write lock, as the journal's writer does during every commit. Reads in WAL mode
        // need no lock, but a transaction begun "immediate" (Microsoft.Data.Sqlite's default) takes it: recoveries
        // would queue behind every write and each other (hocon/persistence-sqlite.conf, read-isolation-level), here
        // until SQLite's busy timeout (30 s) fails them.
        await using var holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(journal.DataDirectory!, SqliteJournalStore.FileName) }.ToString());
        await holder.OpenAsync();
        await using var transaction = holder.BeginTransaction(deferred: false);

        var recovered = await reader.ActorOf(Props.Create(() => new Recorder("conversation-read"))).Ask<Recovered>(Read.Instance, Wait);
        await transaction.RollbackAsync();
        await reader.Terminate().WaitAsync(Wait);

        Assert.Equal(EveryEvent.Count, recovered.Events.Count);
    }

    private static async Task<List<(int, string)>> ReadRowsAsync(TestJournal journal, string persistenceId)
    {
        await using DbConnection connection = journal.Kind == JournalKind.Sqlite
            ? new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(journal.DataDirectory!, SqliteJournalStore.FileName) }.ToString())
            : new NpgsqlConnection(journal.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // The plugin's default table mapping.
        command.CommandText = "SELECT identifier, manifest FROM journal WHERE persistence_id = @id ORDER BY sequence_number";
        var id = command.CreateParameter();
        id.ParameterName = "id";
        id.Value = persistenceId;
        command.Parameters.Add(id);
        var rows = new List<(int, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((Convert.ToInt32(reader.GetValue(0)), reader.GetString(1)));
        return rows;
    }

    private sealed record Write(IReadOnlyList<IPersistedEvent> Events);

    private sealed class Written
    {
        public static readonly Written Instance = new();
    }

    private sealed record SaveState(IPersistedSnapshot State);

    private sealed class SnapshotSaved
    {
        public static readonly SnapshotSaved Instance = new();
    }

    private sealed class Read
    {
        public static readonly Read Instance = new();
    }

    private sealed record Recovered(IPersistedSnapshot? Snapshot, IReadOnlyList<IPersistedEvent> Events);

    /// <summary>Persists what it is given and reports what it recovered: the journal with nothing of the engine around it.</summary>
    private sealed class Recorder : ReceivePersistentActor
    {
        private readonly List<IPersistedEvent> _events = [];
        private IPersistedSnapshot? _snapshot;
        private IActorRef? _awaitingSnapshot;

        public Recorder(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<SnapshotOffer>(offer => _snapshot = (IPersistedSnapshot)offer.Snapshot);
            Recover<IPersistedEvent>(_events.Add);
            Command<Write>(write =>
            {
                var sender = Sender;
                var left = write.Events.Count;
                PersistAll(write.Events, e =>
                {
                    _events.Add(e);
                    if (--left == 0) sender.Tell(Written.Instance);
                });
            });
            Command<SaveState>(save =>
            {
                _awaitingSnapshot = Sender;
                SaveSnapshot(save.State);
            });
            Command<SaveSnapshotSuccess>(_ => _awaitingSnapshot?.Tell(SnapshotSaved.Instance));
            Command<SaveSnapshotFailure>(failure => _awaitingSnapshot?.Tell(new Status.Failure(failure.Cause)));
            Command<Read>(_ => Sender.Tell(new Recovered(_snapshot, _events.ToList())));
        }

        public override string PersistenceId { get; }
    }
}
