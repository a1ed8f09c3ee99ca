using System.Text;
using System.Text.Json;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Messages;

public class ServerEventParserTests
{
    private static ServerEvent Parse(string frame) => ServerEventParser.Parse(Encoding.UTF8.GetBytes(frame));

    private const string CompletedFrame = """
        {"type":"response.completed","sequence_number":9,"response":{
          "id":"resp_2","object":"response","status":"completed","model":"gpt-5.1","previous_response_id":"resp_1",
          "output":[
            {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"opaque"},
            {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}],
          "usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":1024},"output_tokens":40,
                   "output_tokens_details":{"reasoning_tokens":12},"total_tokens":1240},
          "error":null,"parallel_tool_calls":true,"metadata":{"k":"v"}}}
        """;

    [Fact]
    public void Response_completed_carries_id_output_and_usage_with_cached_tokens()
    {
        var e = Assert.IsType<ResponseLifecycleEvent>(Parse(CompletedFrame));

        Assert.Equal("response.completed", e.Type);
        Assert.Equal(9, e.SequenceNumber);
        Assert.True(e.IsTerminal);
        Assert.Equal("resp_2", e.Response.Id);
        Assert.Equal("completed", e.Response.Status);
        Assert.Equal("gpt-5.1", e.Response.Model);
        Assert.Equal("resp_1", e.Response.PreviousResponseId);
        Assert.Equal(["reasoning", "function_call"], e.Response.Output.Select(i => i.Type));
        Assert.Equal("call_1", e.Response.Output[1].CallId);
        Assert.Equal(new Usage { InputTokens = 1200, InputTokensDetails = new InputTokensDetails { CachedTokens = 1024 }, OutputTokens = 40, TotalTokens = 1240 },
            e.Response.Usage);
        Assert.Equal(1024, e.Response.Usage!.CachedTokens);
        Assert.Null(e.Response.Error);
    }

    [Fact]
    public void Response_created_is_not_terminal_and_may_have_no_usage()
    {
        var e = Assert.IsType<ResponseLifecycleEvent>(Parse("""
            {"type":"response.created","sequence_number":0,"response":{"id":"resp_2","status":"in_progress","output":[],"usage":null}}
            """));

        Assert.Equal("response.created", e.Type);
        Assert.False(e.IsTerminal);
        Assert.Empty(e.Response.Output);
        Assert.Null(e.Response.Usage);
        Assert.Equal(0, e.Response.Usage?.CachedTokens ?? 0);
    }

    [Theory]
    [InlineData("response.in_progress", false)]
    [InlineData("response.queued", false)]
    [InlineData("response.failed", true)]
    [InlineData("response.incomplete", true)]
    public void Other_lifecycle_events_are_parsed_with_their_terminality(string type, bool terminal)
    {
        var e = Assert.IsType<ResponseLifecycleEvent>(Parse($$$"""{"type":"{{{type}}}","sequence_number":1,"response":{"id":"r"}}"""));

        Assert.Equal(type, e.Type);
        Assert.Equal(terminal, e.IsTerminal);
    }

    [Fact]
    public void Response_failed_carries_the_response_error()
    {
        var e = (ResponseLifecycleEvent)Parse("""
            {"type":"response.failed","sequence_number":4,"response":{"id":"r","status":"failed","error":{"code":"server_error","message":"boom"}}}
            """);

        Assert.Equal(new ResponseError("server_error", "boom"), e.Response.Error);
    }

    [Theory]
    [InlineData("response.output_item.added")]
    [InlineData("response.output_item.done")]
    public void Output_item_events_carry_index_and_item(string type)
    {
        var e = Assert.IsType<OutputItemEvent>(Parse($$$"""
            {"type":"{{{type}}}","sequence_number":5,"output_index":2,"item":{"type":"function_call","call_id":"call_7","name":"calc","arguments":""}}
            """));

        Assert.Equal(type, e.Type);
        Assert.Equal(5, e.SequenceNumber);
        Assert.Equal(2, e.OutputIndex);
        Assert.Equal("call_7", e.Item.CallId);
    }

    [Theory]
    [InlineData("response.output_item.added")]
    [InlineData("response.output_item.done")]
    public void Output_item_events_read_without_their_items_are_other_events_with_their_type_sequence_and_lane(string type)
    {
        var frame = $$$"""
            {"type":"{{{type}}}","sequence_number":5,"output_index":2,"item":{"type":"function_call","call_id":"call_7","name":"calc","arguments":""},"stream_id":"lane-3"}
            """;

        var e = Assert.IsType<OtherServerEvent>(ServerEventParser.Parse(Encoding.UTF8.GetBytes(frame), readStreamedItems: false));

        Assert.Equal((type, 5L, "lane-3"), (e.Type, e.SequenceNumber, e.StreamId));
        // Not read, so not required; the frame must still be JSON.
        Assert.IsType<OtherServerEvent>(ServerEventParser.Parse(Encoding.UTF8.GetBytes($$$"""{"type":"{{{type}}}"}"""), readStreamedItems: false));
        Assert.Throws<ProtocolException>(() => ServerEventParser.Parse(Encoding.UTF8.GetBytes($$$"""{"type":"{{{type}}}","item":{"id":]}"""), readStreamedItems: false));
    }

    [Fact]
    public void Read_without_streamed_items_a_terminal_event_still_carries_every_item_of_its_response()
    {
        var e = Assert.IsType<ResponseLifecycleEvent>(ServerEventParser.Parse(Encoding.UTF8.GetBytes(CompletedFrame), readStreamedItems: false));

        Assert.Equal([ItemTypes.Reasoning, ItemTypes.FunctionCall], e.Response.Output.Select(i => i.Type));
        Assert.Equal("call_1", e.Response.Output[1].CallId);
    }

    [Fact]
    public void Output_text_delta_carries_item_index_and_text()
    {
        var e = Assert.IsType<OutputTextDeltaEvent>(Parse("""
            {"type":"response.output_text.delta","sequence_number":6,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hel"}
            """));

        Assert.Equal(new OutputTextDeltaEvent(6, "msg_1", 1, "Hel"), e);
    }

    [Fact]
    public void Nested_error_reads_status_code_message_param_and_type()
    {
        var e = Assert.IsType<ServerErrorEvent>(Parse("""
            {"type":"error","status":400,"error":{"type":"invalid_request_error","code":"previous_response_not_found",
             "message":"Previous response with id 'resp_1' not found.","param":"previous_response_id"}}
            """));

        Assert.Equal(new ApiError(400, "previous_response_not_found", "Previous response with id 'resp_1' not found.", "previous_response_id", "invalid_request_error"), e.Error);
        Assert.True(e.Error.IsPreviousResponseNotFound);
        Assert.Equal(-1, e.SequenceNumber);
    }

    [Fact]
    public void Flat_error_reads_code_message_param_and_sequence_number()
    {
        var e = Assert.IsType<ServerErrorEvent>(Parse("""
            {"type":"error","code":"rate_limit_exceeded","message":"Slow down.","param":null,"sequence_number":12}
            """));

        Assert.Equal(new ApiError(null, "rate_limit_exceeded", "Slow down."), e.Error);
        Assert.Equal(12, e.SequenceNumber);
    }

    [Fact]
    public void Error_without_message_gets_a_placeholder()
    {
        var e = (ServerErrorEvent)Parse("""{"type":"error","status":500,"error":{}}""");

        Assert.Equal(new ApiError(500, null, "(no message)"), e.Error);
    }

    [Fact]
    public void Error_with_a_non_numeric_status_is_still_an_error_event()
    {
        var e = Assert.IsType<ServerErrorEvent>(Parse("""{"type":"error","status":"400","error":{"code":"bad","message":"m"}}"""));

        Assert.Null(e.Error.Status);
        Assert.Equal("bad", e.Error.Code);
    }

    [Fact]
    public void Unknown_event_types_are_tolerated()
    {
        var e = Assert.IsType<OtherServerEvent>(Parse("""
            {"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_1","delta":"{\"ci"}
            """));

        Assert.Equal(new OtherServerEvent("response.function_call_arguments.delta", 3), e);
        Assert.IsType<OtherServerEvent>(Parse("""{"type":"response.some_future_event"}"""));
    }

    [Fact]
    public void Items_are_kept_exactly_as_the_frame_carried_them()
    {
        const string call = """{ "type" : "function_call", "call_id":"call_1","arguments":"{\"city\":\"Par\u00eds\"}" }""";
        var completed = (ResponseLifecycleEvent)Parse($$$"""{"type":"response.completed","response":{"id":"r","output":[{{{call}}}, {"type":"message"}]}}""");
        var done = (OutputItemEvent)Parse($$$"""{"type":"response.output_item.done","output_index":0,"item":{{{call}}}}""");

        Assert.Equal(call, completed.Response.Output[0].ToString());
        Assert.Equal("""{"type":"message"}""", completed.Response.Output[1].ToString());
        Assert.Equal(call, done.Item.ToString());
        Assert.Equal("""{"city":"París"}""", done.Item.Arguments);
    }

    [Fact]
    public void Fields_are_found_in_any_order_and_the_last_of_a_name_wins()
    {
        var e = Assert.IsType<ResponseLifecycleEvent>(Parse("""
            {"sequence_number":1,"response":{"id":"old","id":"r","output":null},"sequence_number":2,"type":"response.created"}
            """));

        Assert.Equal(2, e.SequenceNumber);
        Assert.Equal("r", e.Response.Id);
        Assert.Empty(e.Response.Output);
    }

    [Fact]
    public void A_response_object_is_read_past_the_fields_nothing_reads()
    {
        var e = (ResponseLifecycleEvent)Parse("""
            {"type":"response.created","response":{"instructions":"be brief","tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],
             "id":"r","metadata":{"a":[1,{"b":null}]},"status":"in_progress"},"stream_id":"lane-3"}
            """);

        Assert.Equal(("r", "in_progress", "lane-3"), (e.Response.Id, e.Response.Status, e.StreamId));
    }

    [Theory]
    [InlineData("""{"id":"fc","type":"function_call","call_id":"c"}""")]
    [InlineData("""{"role":"user","content":"no type: a message"}""")]
    [InlineData("""{"type":7,"id":"not a string: a message"}""")]
    [InlineData("""{"type":"message","type":"web_search_call"}""")]
    [InlineData("""{"type":"function_call","type":null}""")]
    [InlineData("""{"type":"x_future_item","nested":{"type":"message"}}""")]
    public void An_item_read_from_a_frame_has_the_type_it_reads_by_itself(string item)
    {
        var frame = """{"type":"response.completed","response":{"id":"r","output":[""" + item + "]}}";
        var done = """{"type":"response.output_item.done","output_index":0,"item":""" + item + "}";

        var expected = Item.Parse(item).Type;

        Assert.Equal(expected, Assert.IsType<ResponseLifecycleEvent>(Parse(frame)).Response.Output[0].Type);
        Assert.Equal(expected, Assert.IsType<OutputItemEvent>(Parse(done)).Item.Type);
    }

    [Fact]
    public void A_response_that_is_not_valid_fails_only_the_events_that_read_it()
    {
        const string invalid = """{"status":1}""";

        var other = Parse("""{"type":"response.some_future_event","sequence_number":3,"response":""" + invalid + "}");

        Assert.Equal((typeof(OtherServerEvent), 3L), (other.GetType(), other.SequenceNumber));
        Assert.Throws<ProtocolException>(() => Parse("""{"type":"response.completed","response":""" + invalid + "}"));
    }

    [Fact]
    public void Of_two_responses_the_last_is_read_whether_or_not_the_first_was_valid()
    {
        var afterInvalid = Parse("""{"response":{"status":1},"response":{"id":"r"},"type":"response.created"}""");
        Assert.Equal("r", Assert.IsType<ResponseLifecycleEvent>(afterInvalid).Response.Id);

        Assert.Throws<ProtocolException>(() => Parse("""{"response":{"id":"r"},"response":{"id":null},"type":"response.created"}"""));
    }

    [Fact]
    public void A_frame_whose_response_is_broken_json_is_not_json_even_for_events_that_do_not_read_it()
    {
        var e = Assert.Throws<ProtocolException>(() => Parse("""{"type":"response.some_future_event","response":{"id":"r",]}"""));

        Assert.Contains("not JSON", e.Message);
    }

    [Fact]
    public void Missing_sequence_number_reads_as_minus_one()
    {
        Assert.Equal(-1, Parse("""{"type":"response.some_future_event"}""").SequenceNumber);
    }

    [Fact]
    public void Non_numeric_sequence_number_reads_as_minus_one()
    {
        var e = Parse("""{"type":"response.created","sequence_number":"seven","response":{"id":"r"}}""");

        Assert.Equal(-1, e.SequenceNumber);
        Assert.Equal("r", Assert.IsType<ResponseLifecycleEvent>(e).Response.Id);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"type\":\"error\"")]
    [InlineData("[1,2,3]")]
    [InlineData("\"response.completed\"")]
    [InlineData("{\"sequence_number\":1}")]
    [InlineData("{\"type\":42}")]
    [InlineData("{\"type\":\"response.completed\",\"sequence_number\":1}")]
    [InlineData("{\"type\":\"response.completed\",\"response\":null}")]
    [InlineData("{\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}")]
    [InlineData("{\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"output\":[1]}}")]
    [InlineData("{\"type\":\"response.output_item.done\",\"output_index\":0}")]
    [InlineData("{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":\"x\"}")]
    [InlineData("{\"type\":\"response.output_item.done\",\"item\":{\"type\":\"message\"}}")]
    [InlineData("{\"type\":\"response.output_text.delta\",\"item_id\":\"m\"}")]
    [InlineData("{\"type\":\"response.created\",\"response\":{\"id\":null}}")]
    [InlineData("{\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"output\":{}}}")]
    [InlineData("{\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"status\":1}}")]
    [InlineData("{\"type\":\"response.created\",\"response\":{\"id\":\"r\"}} {}")]
    [InlineData("{\"type\":\"response.created\",\"response\":{\"id\":\"r\"}")]
    public void Malformed_frames_are_protocol_exceptions(string frame)
    {
        Assert.Throws<ProtocolException>(() => Parse(frame));
    }

    [Fact]
    public void Malformed_event_message_names_the_event_type()
    {
        var e = Assert.Throws<ProtocolException>(() => Parse("""{"type":"response.completed","sequence_number":1}"""));

        Assert.Contains("response.completed", e.Message);
    }
}
