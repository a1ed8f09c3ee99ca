using System.Text;
using System.Text.Json;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Xunit;

namespace Orchestrator.Tests.Messages;

public class ItemTests
{
    // Items the engine does not model: they must survive every hop byte-for-meaning, or a cold resend loses context.
    public const string Reasoning = """
        {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Thinking about weather."}],
         "encrypted_content":"gAAAAABo-opaque==","status":null}
        """;

    public const string WebSearchCall = """
        {"type":"web_search_call","id":"ws_1","status":"completed",
         "action":{"type":"search","query":"weather in Paris","sources":[{"url":"https://example.com"}]}}
        """;

    public const string MessageWithUnknownFields = """
        {"type":"message","id":"msg_1","role":"assistant","status":"completed",
         "content":[{"type":"output_text","text":"Hi","annotations":[],"logprobs":[{"token":"Hi","logprob":-0.01}]}],
         "x_future_field":{"nested":[1,2.5,true,null,"s"]},"phase":"final_answer"}
        """;

    public static TheoryData<string> UnmodelledItems => new() { Reasoning, WebSearchCall, MessageWithUnknownFields };

    [Theory]
    [MemberData(nameof(UnmodelledItems))]
    public void Unmodelled_item_survives_response_create_serialization_unchanged(string json)
    {
        var request = new ResponseCreate { Model = "m", Input = [Item.Parse(json)] };

        using var sent = JsonDocument.Parse(request.ToUtf8Bytes());

        JsonAssert.DeepEqual(json, sent.RootElement.GetProperty("input")[0]);
    }

    [Theory]
    [MemberData(nameof(UnmodelledItems))]
    public void Unmodelled_item_survives_the_journal_serializer_unchanged(string json)
    {
        var serializer = new PersistedEventSerializer(null!);
        var recorded = new ResponseRecorded("resp_1", [Item.Parse(json)], null);

        var back = (ResponseRecorded)serializer.FromBinary(serializer.ToBinary(recorded), serializer.Manifest(recorded));

        JsonAssert.DeepEqual(json, Assert.Single(back.Output).Json);
    }

    [Fact]
    public void Unmodelled_item_survives_the_server_event_parser_unchanged()
    {
        var frame = $$"""{"type":"response.output_item.done","sequence_number":3,"output_index":0,"item":{{Reasoning}}}""";

        var parsed = (OutputItemEvent)ServerEventParser.Parse(Encoding.UTF8.GetBytes(frame));

        JsonAssert.DeepEqual(Reasoning, parsed.Item.Json);
    }

    [Fact]
    public void Type_defaults_to_message_when_absent_or_not_a_string()
    {
        Assert.Equal("message", Item.Parse("""{"role":"user","content":"hi"}""").Type);
        Assert.Equal("message", Item.Parse("""{"type":7,"role":"user","content":"hi"}""").Type);
        Assert.Equal("reasoning", Item.Parse(Reasoning).Type);
    }

    [Fact]
    public void Function_call_accessors_read_its_fields()
    {
        var call = Item.Parse("""{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}""");

        Assert.True(call.IsFunctionCall);
        Assert.False(call.IsFunctionCallOutput);
        Assert.Equal("call_1", call.CallId);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("""{"city":"Paris"}""", call.Arguments);
    }

    [Fact]
    public void Accessors_are_null_when_the_field_is_missing_or_not_a_string()
    {
        var item = Item.Parse("""{"type":"function_call","call_id":5,"arguments":{"a":1}}""");

        Assert.Null(item.CallId);
        Assert.Null(item.Name);
        Assert.Null(item.Arguments);
        Assert.Null(item.Role);
        Assert.Null(item.Output);
    }

    [Fact]
    public void Text_of_string_content_is_the_string()
    {
        Assert.Equal("hello", Item.Parse("""{"role":"user","content":"hello"}""").Text);
    }

    [Fact]
    public void Text_of_part_array_concatenates_text_parts_and_skips_others()
    {
        var message = Item.Parse("""
            {"type":"message","role":"assistant","content":[
              {"type":"output_text","text":"It is "},
              {"type":"input_image","image_url":"https://example.com/a.png"},
              {"type":"output_text","text":7},
              "stray",
              {"type":"output_text","text":"sunny."}]}
            """);

        Assert.Equal("It is sunny.", message.Text);
    }

    [Fact]
    public void Text_is_empty_without_content()
    {
        Assert.Equal("", Item.Parse(WebSearchCall).Text);
        Assert.Equal("", Item.Parse("""{"type":"message","content":null}""").Text);
    }

    [Fact]
    public void User_message_has_the_input_text_shape()
    {
        var message = Item.UserMessage("What's the weather?");

        JsonAssert.DeepEqual("""
            {"type":"message","role":"user","content":[{"type":"input_text","text":"What's the weather?"}]}
            """, message.Json);
        Assert.Equal("user", message.Role);
        Assert.Equal("What's the weather?", message.Text);
    }

    [Fact]
    public void Function_call_output_has_the_call_id_and_string_output()
    {
        var output = Item.FunctionCallOutput("call_1", """{"temperature_c":21}""");

        JsonAssert.DeepEqual("""{"type":"function_call_output","call_id":"call_1","output":"{\"temperature_c\":21}"}""", output.Json);
        Assert.True(output.IsFunctionCallOutput);
        Assert.Equal("call_1", output.CallId);
        Assert.Equal("""{"temperature_c":21}""", output.Output);
    }

    [Fact]
    public void Builders_escape_text_instead_of_injecting_json()
    {
        var text = "quote \" brace } newline \n unicode é 😀";

        Assert.Equal(text, Item.UserMessage(text).Text);
        Assert.Equal(text, Item.FunctionCallOutput("c", text).Output);
    }

    [Fact]
    public void Items_with_the_same_json_are_equal_regardless_of_property_order_and_whitespace()
    {
        var a = Item.Parse("""{"type":"function_call","call_id":"c1","name":"n","arguments":"{}"}""");
        var b = Item.Parse("""{ "arguments" : "{}", "name":"n", "call_id":"c1", "type":"function_call" }""");

        Assert.Equal(a, b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Items_differing_in_any_field_are_not_equal()
    {
        var a = Item.Parse("""{"type":"reasoning","encrypted_content":"x"}""");

        Assert.NotEqual(a, Item.Parse("""{"type":"reasoning","encrypted_content":"y"}"""));
        Assert.NotEqual(a, Item.Parse("""{"type":"reasoning","encrypted_content":"x","extra":1}"""));
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void Item_outlives_the_document_it_was_read_from()
    {
        Item item;
        using (var document = JsonDocument.Parse(Reasoning)) item = Item.From(document.RootElement);

        JsonAssert.DeepEqual(Reasoning, item.ToString());
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    public void Parsing_a_non_object_is_rejected(string json)
    {
        Assert.Throws<ArgumentException>(() => Item.Parse(json));
    }

    [Fact]
    public void Json_converter_rejects_a_non_object_item()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"message_id":"m1","message":[1]}""");
        var serializer = new PersistedEventSerializer(null!);

        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(bytes, "user-message.v1"));
        Assert.IsType<JsonException>(e.InnerException);
    }

    [Fact]
    public void Accessors_read_top_level_fields_only()
    {
        var item = Item.Parse("""{"extra":{"type":"nested","call_id":"inner"},"content":[{"type":"output_text","call_id":"x"}],"type":"function_call","call_id":"outer"}""");

        Assert.Equal(ItemTypes.FunctionCall, item.Type);
        Assert.Equal("outer", item.CallId);
    }

    [Fact]
    public void The_item_keeps_the_objects_text_byte_for_byte()
    {
        const string json = """{ "type" : "reasoning", "id":"rs_1",  "encrypted_content":"gAAA\u00e9==", "n": 1.50 }""";

        Assert.Equal(json, Item.Parse("  " + json + "\n").ToString());
    }

    [Theory]
    [InlineData("""{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"París\"}","status":"completed"}""")]
    [InlineData("""{"type":"function_call","call_id":"old","name":"f","call_id":"new","arguments":{"not":"a string"}}""")]
    [InlineData("""{"type":"function_call","nested":{"call_id":"inner","name":"inner"},"name":"outer"}""")]
    [InlineData("""{"type":"function_call","call_id":null,"name":3}""")]
    public void A_function_call_read_in_one_pass_has_the_fields_its_accessors_read(string json)
    {
        var item = Item.Parse(json);

        Assert.Equal(new FunctionCallFields(item.CallId, item.Name, item.Arguments), item.ReadFunctionCall());
    }
}
