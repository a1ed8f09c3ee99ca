using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

public sealed class ArgumentGenerationTests
{
    private const string BookingSchema = """
        {
          "type": "object",
          "properties": {
            "city": { "type": "string" },
            "class": { "type": "string", "enum": ["economy", "business", "first"] },
            "nights": { "type": "integer", "minimum": 2, "maximum": 5 },
            "budget": { "type": "number" },
            "refundable": { "type": "boolean" },
            "note": { "type": ["string", "null"] },
            "guests": {
              "type": "array", "minItems": 1,
              "items": { "type": "object", "properties": { "name": { "type": "string" }, "age": { "type": "integer" } }, "required": ["name", "age"], "additionalProperties": false }
            },
            "address": { "$ref": "#/$defs/Address" },
            "contact": { "anyOf": [ { "type": "null" }, { "$ref": "#/definitions/Contact" } ] },
            "currency": { "type": "string", "default": "EUR" }
          },
          "required": ["city", "class", "nights", "guests", "address"],
          "additionalProperties": false,
          "$defs": {
            "Address": { "type": "object", "properties": { "street": { "type": "string", "minLength": 3 }, "zip": { "type": "string", "maxLength": 5 } }, "required": ["street", "zip"], "additionalProperties": false }
          },
          "definitions": {
            "Contact": { "type": "object", "properties": { "email": { "type": "string", "format": "email" }, "kind": { "const": "primary" } }, "required": ["email", "kind"] }
          }
        }
        """;

    [Fact]
    public async Task Generated_arguments_validate_against_each_tool_schema()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);
        JsonArray tools = new(
            Requests.Function("book_hotel", (JsonObject)JsonNode.Parse(BookingSchema)!),
            Requests.Function("no_parameters", new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() }));

        ResponseResult result = await client.CreateAsync(Requests.Create("book it tools:6", tools: tools));

        Assert.Equal(6, result.FunctionCalls.Length);
        using JsonDocument schema = JsonDocument.Parse(BookingSchema);
        JsonElement[] bookings = [.. result.FunctionCalls.Where(c => c.GetProperty("name").GetString() == "book_hotel")];
        Assert.Equal(3, bookings.Length);
        var classes = new HashSet<string>();
        foreach (JsonElement call in bookings)
        {
            using JsonDocument arguments = JsonDocument.Parse(call.GetProperty("arguments").GetString()!);
            JsonElement args = arguments.RootElement;
            Assert.Empty(SchemaValidator.Validate(args, schema.RootElement));
            Assert.NotEqual(0, args.GetProperty("budget").GetDouble());
            Assert.Equal("EUR", args.GetProperty("currency").GetString());
            Assert.Equal(JsonValueKind.String, args.GetProperty("note").ValueKind);
            Assert.Equal(JsonValueKind.Object, args.GetProperty("contact").ValueKind);
            classes.Add(args.GetProperty("class").GetString()!);
        }

        Assert.Equal(3, classes.Count);
        Assert.All(result.FunctionCalls.Where(c => c.GetProperty("name").GetString() == "no_parameters"), c => Assert.Equal("{}", c.GetProperty("arguments").GetString()));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","enum":["a","b"]}},"n":{"type":"number","exclusiveMinimum":0,"maximum":0.5}},"required":["tags","n"]}""")]
    [InlineData("""{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"},"level":{"type":"integer","enum":[3,7]}},"required":["when","id","level"]}""")]
    [InlineData("""{"type":"object","properties":{"node":{"$ref":"#/$defs/Node"}},"required":["node"],"$defs":{"Node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/Node"}}},"required":["value"]}}}""")]
    [InlineData("""{"type":"object","properties":{"choice":{"oneOf":[{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]},{"type":"string"}]}},"required":["choice","unlisted"]}""")]
    [InlineData("""{"properties":{"loose":{},"mixed":{"type":["null","integer"]}},"required":["loose","mixed"]}""")]
    public void Generator_output_validates_for_schema_shapes(string schemaText)
    {
        using JsonDocument schema = JsonDocument.Parse(schemaText);

        for (int callIndex = 0; callIndex < 4; callIndex++)
        {
            string arguments = ArgumentGenerator.Generate(schema.RootElement, callIndex);
            using JsonDocument parsed = JsonDocument.Parse(arguments);
            Assert.Empty(SchemaValidator.Validate(parsed.RootElement, schema.RootElement));
        }
    }
}
