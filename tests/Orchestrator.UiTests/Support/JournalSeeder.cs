using Akka.Actor;
using Microsoft.Data.Sqlite;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Orchestrator.OperatorConsole;

namespace Orchestrator.UiTests.Support;

/// <summary>
/// A SQLite journal with Akka.Persistence.Sql's table as its <c>auto-initialize</c> creates it (columns and indexes as
/// a node's <c>orchestrator.db</c> has them), filled with real serialized events, for the console's query side.
/// </summary>
internal sealed class JournalSeeder : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("seeder", "akka.loglevel = ERROR\nakka.stdout-loglevel = OFF");
    private readonly PersistedEventSerializer _serializer;

    public JournalSeeder(string path)
    {
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        _serializer = new PersistedEventSerializer((ExtendedActorSystem)_system);
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS [journal]
            (
                [ordering]        INTEGER        NOT NULL PRIMARY KEY AUTOINCREMENT,
                [created]         INTEGER        NOT NULL,
                [deleted]         Bit            NOT NULL,
                [persistence_id]  NVarChar(255)  NOT NULL,
                [sequence_number] INTEGER        NOT NULL,
                [message]         VarBinary      NOT NULL,
                [manifest]        NVarChar(500)      NULL,
                [identifier]      INTEGER            NULL,
                [writer_uuid]     NVarChar(128)      NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS journal_uq ON journal (persistence_id, sequence_number);
            CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created);
            CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number);
            """);
    }

    public string ConnectionString { get; }

    public ConversationIndex Index() => new(ConnectionString, "SQLite.MS", (bytes, _, manifest) => _serializer.FromBinary(bytes, manifest));

    /// <summary>Writes each conversation's events in one transaction per call.</summary>
    public void Write(IEnumerable<(string ConversationId, DateTimeOffset At, IReadOnlyList<IPersistedEvent> Events)> conversations)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) "
                             + "VALUES ($created, 0, $pid, $seq, $message, $manifest, $identifier, 'seed')";
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        var pid = insert.Parameters.Add("$pid", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var message = insert.Parameters.Add("$message", SqliteType.Blob);
        var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
        insert.Parameters.AddWithValue("$identifier", PersistedEventSerializer.SerializerId);
        insert.Prepare();
        // Conversations that share one list of events share its serialized bytes (the benchmark writes 100,000 alike).
        var serialized = new Dictionary<IReadOnlyList<IPersistedEvent>, (byte[] Bytes, string Manifest)[]>(ReferenceEqualityComparer.Instance);
        foreach (var (id, at, events) in conversations)
        {
            if (!serialized.TryGetValue(events, out var rows))
                serialized[events] = rows = events.Select(e => (_serializer.ToBinary(e), _serializer.Manifest(e))).ToArray();
            for (var i = 0; i < rows.Length; i++)
            {
                created.Value = at.AddMilliseconds(i * 250).UtcTicks;
                pid.Value = ConversationIndex.PersistenceIdPrefix + id;
                seq.Value = i + 1;
                message.Value = rows[i].Bytes;
                manifest.Value = rows[i].Manifest;
                insert.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    /// <summary>A finished turn with <paramref name="tools"/> parallel calls: started, user message, calls, results, answer.</summary>
    public static IReadOnlyList<IPersistedEvent> FinishedTurn(string model, int tools)
    {
        var events = new List<IPersistedEvent>
        {
            new ConversationStarted(new ConversationSettings(model)),
            new UserMessageAccepted(Guid.NewGuid().ToString("N"), Item.UserMessage($"weather tools:{tools}"), DateTimeOffset.UtcNow),
        };
        var calls = Enumerable.Range(1, tools).Select(i => Item.Parse($$"""{"type":"function_call","call_id":"call_{{i}}","name":"get_weather","arguments":"{\"city\":\"Lima\"}"}""")).ToList();
        events.Add(new ResponseRecorded("resp_1", calls, new Usage { InputTokens = 120 }, SentInFull: true));
        events.AddRange(calls.Select(c => new ToolResultRecorded(c.CallId!, Item.FunctionCallOutput(c.CallId!, "{\"temperature\":21}"), IsError: false)));
        events.Add(new ResponseRecorded("resp_2", [Answer("It is 21 degrees in Lima.")],
            new Usage { InputTokens = 180, InputTokensDetails = new InputTokensDetails { CachedTokens = 120 } }, SentInFull: false));
        return events;
    }

    public static Item Answer(string text) =>
        Item.Parse($$"""{"type":"message","role":"assistant","content":[{"type":"output_text","text":"{{text}}"}]}""");

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
