using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>Builders for the client events the tests send.</summary>
internal static class Requests
{
    public const string Model = "gpt-test";

    public static JsonObject Create(JsonNode input, string? previousResponseId = null, bool? store = false, JsonArray? tools = null)
    {
        var request = new JsonObject
        {
            ["type"] = "response.create",
            ["model"] = Model,
            ["instructions"] = "You are a test assistant.",
            ["input"] = input,
        };
        if (previousResponseId is not null)
        {
            request["previous_response_id"] = previousResponseId;
        }

        if (store is not null)
        {
            request["store"] = store.Value;
        }

        if (tools is not null)
        {
            request["tools"] = tools;
        }

        return request;
    }

    /// <summary>The request on the <c>stream_id</c> lane <paramref name="streamId"/>.</summary>
    public static JsonObject OnLane(JsonObject request, string streamId)
    {
        request["stream_id"] = streamId;
        return request;
    }

    public static JsonObject UserMessage(string text) => new()
    {
        ["type"] = "message",
        ["role"] = "user",
        ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }),
    };

    public static JsonObject FunctionOutput(string callId, string output = "ok") => new()
    {
        ["type"] = "function_call_output",
        ["call_id"] = callId,
        ["output"] = output,
    };

    public static JsonArray Items(params IEnumerable<JsonNode> items) => new([.. items]);

    public static JsonObject Function(string name, JsonObject parameters) => new()
    {
        ["type"] = "function",
        ["name"] = name,
        ["description"] = $"The {name} tool.",
        ["parameters"] = parameters,
        ["strict"] = false,
    };

    /// <summary>Two simple tools, as most tests need.</summary>
    public static JsonArray WeatherTools() => new(
        Function("get_weather", (JsonObject)JsonNode.Parse("""
            {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"],"additionalProperties":false}
            """)!),
        Function("get_time", (JsonObject)JsonNode.Parse("""
            {"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}
            """)!));
}
