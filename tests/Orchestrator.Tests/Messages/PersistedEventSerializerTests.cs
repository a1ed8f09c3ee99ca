using System.Runtime.Serialization;
using System.Text;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Xunit;

namespace Orchestrator.Tests.Messages;

public class PersistedEventSerializerTests
{
    // The serializer never touches its ActorSystem, so no system is needed.
    private readonly PersistedEventSerializer _serializer = new(null!);

    private T RoundTrip<T>(T e) where T : IPersistedEvent =>
        Assert.IsType<T>(_serializer.FromBinary(_serializer.ToBinary(e), _serializer.Manifest(e)));

    [Fact]
    public void Identifier_is_stable()
    {
        Assert.Equal(7411, _serializer.Identifier);
    }

    // Manifests are written into every journal row: changing one makes existing journals unreadable.
    public static TheoryData<IPersistedEvent, string> ManifestContract => new()
    {
        { new ConversationStarted(new ConversationSettings("m", null, false)), "conversation-started.v1" },
        { new UserMessageAccepted("msg-1", Item.UserMessage("hi")), "user-message.v1" },
        { new ResponseRecorded("resp_1", [], null), "response.v1" },
        { new ToolResultRecorded("call_1", Item.FunctionCallOutput("call_1", "ok"), false), "tool-result.v1" },
        { new TurnAbandoned("why"), "turn-abandoned.v1" },
        { new WindowCompacted([Item.UserMessage("hi")], 1500), "window-compacted.v1" },
        { new TurnInputDropped("too large"), "turn-input-dropped.v1" },
        { new ClientToolCallsAwaited(["call_1"], DateTimeOffset.UnixEpoch), "client-tool-calls-awaited.v1" },
        { new SteerApplied(["msg-2"], "resp_2"), "steer-applied.v1" },
    };

    [Theory]
    [MemberData(nameof(ManifestContract))]
    public void Manifest_is_the_storage_contract_string(IPersistedEvent e, string manifest)
    {
        Assert.Equal(manifest, _serializer.Manifest(e));
    }

    [Fact]
    public void Every_persisted_event_type_has_a_manifest()
    {
        var eventTypes = typeof(IPersistedEvent).Assembly.GetTypes()
            .Where(t => typeof(IPersistedEvent).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        var covered = ManifestContract.Select(row => row[0].GetType());

        Assert.Equal(eventTypes.OrderBy(t => t.Name), covered.OrderBy(t => t.Name));
    }

    [Fact]
    public void Client_tool_calls_awaited_round_trips()
    {
        var e = new ClientToolCallsAwaited(["call_1", "call_2"], new DateTimeOffset(2026, 12, 7, 17, 0, 0, TimeSpan.Zero));

        var back = RoundTrip(e);

        Assert.Equal(e.CallIds, back.CallIds);
        Assert.Equal(e.Since, back.Since);
    }

    [Fact]
    public void Conversation_tools_round_trip_and_a_start_written_before_them_reads_without()
    {
        var tools = new ConversationToolSettings(
            [new ClientTool("lookup", "Looks up.", System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement)],
            [System.Text.Json.JsonDocument.Parse("""{"type":"web_search"}""").RootElement],
            System.Text.Json.JsonDocument.Parse("\"required\"").RootElement,
            ParallelToolCalls: false,
            ClientToolTimeout: TimeSpan.FromSeconds(30));
        var e = new ConversationStarted(new ConversationSettings("m", null, false, tools));

        var back = RoundTrip(e).Settings.Tools!;
        var old = (ConversationStarted)_serializer.FromBinary(Encoding.UTF8.GetBytes("""{"settings":{"model":"m","instructions":null,"store":false}}"""), "conversation-started.v1");

        Assert.Equal("lookup", Assert.Single(back.ClientTools!).Name);
        Assert.Equal("web_search", Assert.Single(back.HostedTools!).GetProperty("type").GetString());
        Assert.Equal("required", back.ToolChoice!.Value.GetString());
        Assert.False(back.ParallelToolCalls);
        Assert.Equal(TimeSpan.FromSeconds(30), back.ClientToolTimeout);
        Assert.Null(old.Settings.Tools);
    }

    [Fact]
    public void Conversation_started_round_trips()
    {
        var e = new ConversationStarted(new ConversationSettings("gpt-5.1", "Be brief.", true));

        Assert.Equal(e, RoundTrip(e));
    }

    [Fact]
    public void Conversation_started_without_instructions_round_trips()
    {
        var e = new ConversationStarted(new ConversationSettings("gpt-5.1", null, false));

        Assert.Equal(e, RoundTrip(e));
    }

    [Fact]
    public void User_message_round_trips()
    {
        var e = new UserMessageAccepted("msg-1", Item.UserMessage("What's the weather in Paris?"));

        Assert.Equal(e, RoundTrip(e));
    }

    [Fact]
    public void Response_round_trips_with_its_items_in_order_and_usage()
    {
        var e = new ResponseRecorded("resp_1",
            [Item.Parse(ItemTests.Reasoning), Item.Parse(ItemTests.WebSearchCall), Item.Parse(ItemTests.MessageWithUnknownFields)],
            new Usage { InputTokens = 10, InputTokensDetails = new InputTokensDetails { CachedTokens = 8 }, OutputTokens = 3, TotalTokens = 13 });

        var back = RoundTrip(e);

        Assert.Equal(e.ResponseId, back.ResponseId);
        Assert.Equal(e.Output, back.Output);
        Assert.Equal(e.Usage, back.Usage);
    }

    [Fact]
    public void Tool_result_round_trips_with_its_error_flag()
    {
        var e = new ToolResultRecorded("call_1", Item.FunctionCallOutput("call_1", """{"error":"timed_out"}"""), true);

        Assert.Equal(e, RoundTrip(e));
    }

    [Fact]
    public void Turn_input_dropped_round_trips()
    {
        var e = new TurnInputDropped("the server refused the request as too large (400 message_too_large: The message exceeds the maximum size of 65536 bytes.)");

        Assert.Equal(e, RoundTrip(e));
    }

    [Fact]
    public void A_snapshot_written_before_the_turn_counters_reads_with_an_unknown_turn_start_and_zero_counts()
    {
        var snapshot = new ConversationSnapshot(null, [Item.UserMessage("hi")], 0, null, [], true, ["m1"], [], ["m1"], null, 0, 3, 7, 1);
        var json = System.Text.Json.Nodes.JsonNode.Parse(_serializer.ToBinary(snapshot))!.AsObject();
        foreach (var field in new[] { "turn_input_start", "turn_rounds", "turn_tool_calls", "turn_compactions" }) Assert.True(json.Remove(field), field);

        var read = Assert.IsType<ConversationSnapshot>(_serializer.FromBinary(Encoding.UTF8.GetBytes(json.ToJsonString()), "conversation-snapshot.v1"));

        Assert.Equal((-1, 0, 0, 0), (read.TurnInputStart, read.TurnRounds, read.TurnToolCalls, read.TurnCompactions));
        Assert.Equal(["m1"], read.TurnMessageIds);
    }

    [Fact]
    public void Turn_abandoned_round_trips()
    {
        var e = new TurnAbandoned("the server rejected the request: 400 invalid_request_error: bad");

        Assert.Equal(e, RoundTrip(e));
    }

    [Fact]
    public void Journal_rows_are_snake_case_json()
    {
        var json = Encoding.UTF8.GetString(_serializer.ToBinary(new ToolResultRecorded("call_1", Item.FunctionCallOutput("call_1", "ok"), false)));

        JsonAssert.DeepEqual("""
            {"call_id":"call_1","output":{"type":"function_call_output","call_id":"call_1","output":"ok"},"is_error":false}
            """, json);
    }

    // Nulls are omitted when writing, so an absent nullable field must read back as null.
    [Fact]
    public void Response_row_without_usage_reads_with_null_usage()
    {
        var e = (ResponseRecorded)_serializer.FromBinary("""{"response_id":"resp_1","output":[]}"""u8.ToArray(), "response.v1");

        Assert.Equal("resp_1", e.ResponseId);
        Assert.Null(e.Usage);
        Assert.Null(e.SentInFull);
    }

    [Fact]
    public void A_user_message_with_its_acceptance_time_round_trips()
    {
        var e = new UserMessageAccepted("msg-1", Item.UserMessage("hi"), new DateTimeOffset(2026, 12, 7, 11, 50, 0, TimeSpan.Zero));

        Assert.Contains("\"accepted_at\":\"2026-12-07T11:50:00+00:00\"", Encoding.UTF8.GetString(_serializer.ToBinary(e)));
        Assert.Equal(e, RoundTrip(e));
    }

    [Fact]
    public void A_user_message_row_written_before_acceptance_times_reads_with_none()
    {
        var e = (UserMessageAccepted)_serializer.FromBinary(
            """{"message_id":"msg-1","message":{"type":"message","role":"user","content":"hi"}}"""u8.ToArray(), "user-message.v1");

        Assert.Equal(("msg-1", "hi", null), (e.MessageId, e.Message.Text, e.AcceptedAt));
    }

    [Fact]
    public void A_snapshot_row_written_before_message_keys_reads_with_its_bare_ids()
    {
        var snapshot = (ConversationSnapshot)_serializer.FromBinary(
            """{"settings":null,"window":[],"chain_length":0,"last_response_id":null,"open_calls":[],"turn_open":false,"turn_message_ids":[],"queued":[],"message_ids":["m1"]}"""u8.ToArray(),
            "conversation-snapshot.v1");

        Assert.Equal(["m1"], snapshot.MessageIds);
        Assert.Null(snapshot.MessageKeys);
    }

    [Fact]
    public void How_a_response_was_sent_round_trips()
    {
        var bytes = _serializer.ToBinary(new ResponseRecorded("resp_1", [], SentInFull: true));

        Assert.Contains("\"sent_in_full\":true", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(true, ((ResponseRecorded)_serializer.FromBinary(bytes, "response.v1")).SentInFull);
    }

    [Fact]
    public void Settings_row_without_instructions_reads_with_null_instructions()
    {
        var e = (ConversationStarted)_serializer.FromBinary("""{"settings":{"model":"m","store":true}}"""u8.ToArray(), "conversation-started.v1");

        Assert.Equal(new ConversationSettings("m", null, true), e.Settings);
    }

    [Fact]
    public void Unknown_manifest_is_an_error_naming_it()
    {
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary("{}"u8.ToArray(), "user-message.v2"));

        Assert.Contains("'user-message.v2'", e.Message);
    }

    [Theory]
    [InlineData("user-message.v1", "not json")]
    [InlineData("user-message.v1", "{\"message_id\":\"m\"")]
    [InlineData("user-message.v1", "{\"message_id\":\"m\"}")]
    [InlineData("user-message.v1", "{\"message_id\":\"m\",\"message\":\"hi\"}")]
    [InlineData("response.v1", "[]")]
    [InlineData("tool-result.v1", "null")]
    [InlineData("conversation-started.v1", "{}")]
    public void Corrupt_bytes_are_an_error_naming_the_manifest(string manifest, string bytes)
    {
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary(Encoding.UTF8.GetBytes(bytes), manifest));

        Assert.Contains($"'{manifest}'", e.Message);
    }

    [Fact]
    public void Non_journal_type_is_refused_when_serializing()
    {
        Assert.Throws<ArgumentException>(() => _serializer.ToBinary("not an event"));
        Assert.Throws<ArgumentException>(() => _serializer.Manifest(42));
    }
}
