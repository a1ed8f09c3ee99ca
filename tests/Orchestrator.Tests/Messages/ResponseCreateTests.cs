using System.Text.Json;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Messages;

public class ResponseCreateTests
{
    private static readonly JsonElement WeatherSchema = JsonDocument.Parse("""
        {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
        """).RootElement.Clone();

    private static JsonElement Serialize(ResponseCreate request) => JsonDocument.Parse(request.ToUtf8Bytes()).RootElement.Clone();

    [Fact]
    public void Type_is_the_first_property()
    {
        var json = Serialize(new ResponseCreate { Model = "gpt-5.1", Input = [] });

        var first = json.EnumerateObject().First();
        Assert.Equal("type", first.Name);
        Assert.Equal("response.create", first.Value.GetString());
    }

    [Fact]
    public void Full_request_has_snake_case_fields_and_the_exact_shape()
    {
        var request = new ResponseCreate
        {
            Model = "gpt-5.1",
            Instructions = "Be brief.",
            Input = [Item.UserMessage("hi")],
            Tools = [new FunctionTool("get_weather", "Current weather for a city.", WeatherSchema)],
            PreviousResponseId = "resp_1",
            Store = false,
            Include = ["reasoning.encrypted_content"],
        };

        JsonAssert.DeepEqual("""
            {"type":"response.create","model":"gpt-5.1","instructions":"Be brief.",
             "input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}],
             "tools":[{"type":"function","name":"get_weather","description":"Current weather for a city.",
                       "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
                       "strict":false}],
             "previous_response_id":"resp_1","store":false,"include":["reasoning.encrypted_content"]}
            """, Serialize(request));
    }

    [Fact]
    public void Null_fields_are_omitted_and_store_is_always_present()
    {
        var json = Serialize(new ResponseCreate { Model = "gpt-5.1", Input = [] });

        JsonAssert.DeepEqual("""{"type":"response.create","model":"gpt-5.1","input":[],"store":false}""", json);
    }

    [Fact]
    public void Store_true_is_written()
    {
        var json = Serialize(new ResponseCreate { Model = "m", Input = [], Store = true });

        Assert.True(json.GetProperty("store").GetBoolean());
    }

    [Fact]
    public void Tool_declares_type_function_first_and_strict_false()
    {
        var json = Serialize(new ResponseCreate { Model = "m", Input = [], Tools = [new FunctionTool("t", "d", WeatherSchema)] });

        var tool = json.GetProperty("tools")[0];
        Assert.Equal(["type", "name", "description", "parameters", "strict"], tool.EnumerateObject().Select(p => p.Name));
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.False, tool.GetProperty("strict").ValueKind);
    }

    [Fact]
    public void Input_items_keep_their_order()
    {
        var items = Enumerable.Range(0, 5).Select(i => Item.FunctionCallOutput($"call_{i}", $"{i}")).ToList();

        var json = Serialize(new ResponseCreate { Model = "m", Input = items });

        Assert.Equal(items.Select(i => i.CallId), json.GetProperty("input").EnumerateArray().Select(e => e.GetProperty("call_id").GetString()));
    }
}
