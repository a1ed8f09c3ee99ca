using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Xunit;
using static Orchestrator.Tests.Tools.ToolTesting;

namespace Orchestrator.Tests.Tools.Demo;

public sealed class DemoToolsTests
{
    private static readonly Dictionary<string, string> Dimension = new()
    {
        ["km"] = "length", ["mi"] = "length", ["m"] = "length", ["ft"] = "length",
        ["kg"] = "mass", ["lb"] = "mass", ["celsius"] = "temperature", ["fahrenheit"] = "temperature",
    };

    [Fact]
    public void Registers_four_tools_in_a_stable_order()
    {
        var registry = new ToolRegistry();

        Assert.Same(registry, DemoTools.Register(registry));
        Assert.Equal(["get_weather", "convert_units", "calculate", "get_local_time"], registry.Definitions.Select(d => d.Name));
    }

    [Fact]
    public void Every_schema_requires_every_property_and_describes_it()
    {
        // Strict function calling needs every property required and no extras; descriptions guide the model.
        foreach (ToolDefinition definition in DemoTools.Register(new ToolRegistry()).Definitions)
        {
            Assert.False(string.IsNullOrWhiteSpace(definition.Description));
            JsonElement schema = definition.Parameters;
            Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
            string[] properties = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(properties.Order(), schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).Order());
            Assert.All(schema.GetProperty("properties").EnumerateObject(), p => Assert.True(p.Value.TryGetProperty("description", out _), $"{definition.Name}.{p.Name}"));
        }
    }

    [Fact]
    public void Convert_units_offers_exactly_the_documented_units()
    {
        JsonElement schema = DemoTools.Register(new ToolRegistry()).Definitions.Single(d => d.Name == "convert_units").Parameters;

        Assert.Equal(
            Dimension.Keys,
            schema.GetProperty("properties").GetProperty("from_unit").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public void Rejects_negative_latency()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DemoTools.Register(new ToolRegistry(), TimeSpan.FromMilliseconds(-1)));
    }

    [Fact]
    public async Task Latency_delays_the_result()
    {
        TimeSpan latency = TimeSpan.FromMilliseconds(50);
        var invoker = new ToolInvoker(DemoTools.Register(new ToolRegistry(), latency), new ToolInvokerOptions());

        ToolOutcome outcome = await invoker
            .InvokeAsync("calculate", """{"a":1,"b":2,"operation":"add"}""", Context(), CancellationToken.None)
            .WaitAsync(Bound);

        Assert.False(outcome.IsError);
        Assert.True(outcome.Duration >= latency * 0.9, $"took {outcome.Duration}");
    }

    [Fact]
    public async Task Latency_honours_cancellation()
    {
        // One slot: the second call can start only once the first tool has actually stopped, which an
        // hour-long latency would prevent unless it ends when its token is cancelled at the timeout.
        var invoker = new ToolInvoker(
            DemoTools.Register(new ToolRegistry(), TimeSpan.FromHours(1)),
            new ToolInvokerOptions { Timeout = TimeSpan.FromMilliseconds(100), MaxConcurrency = 1 });
        const string args = """{"city":"Paris","unit":"celsius"}""";

        ToolOutcome first = await invoker.InvokeAsync("get_weather", args, Context(), CancellationToken.None).WaitAsync(Bound);
        ToolOutcome second = await invoker.InvokeAsync("get_weather", args, Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.TimedOut, first.Failure);
        Assert.Equal(ToolFailure.TimedOut, second.Failure);
    }

    [Fact]
    public async Task Every_tool_succeeds_on_schema_generated_arguments_except_documented_errors()
    {
        // Like the emulator's scripted model: every enum value, sample city names, non-zero numbers.
        IReadOnlyList<ToolDefinition> definitions = DemoTools.Register(new ToolRegistry()).Definitions;
        int calls = 0;
        foreach (ToolDefinition definition in definitions)
        {
            foreach (JsonObject arguments in ArgumentsFor(definition.Parameters))
            {
                ToolOutcome outcome = await DemoToolTesting.Call(definition.Name, arguments.ToJsonString());
                calls++;
                if (definition.Name == "convert_units"
                    && Dimension[(string)arguments["from_unit"]!] != Dimension[(string)arguments["to_unit"]!])
                {
                    Assert.Equal(ToolFailure.Threw, outcome.Failure);
                    Assert.Contains("measure different things", outcome.Output, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(!outcome.IsError, $"{definition.Name} {arguments.ToJsonString()} -> {outcome.Output}");
                    Json(outcome.Output);
                }
            }
        }

        Assert.True(calls > 100, $"only {calls} combinations");
    }

    private static IEnumerable<JsonObject> ArgumentsFor(JsonElement schema)
    {
        IEnumerable<JsonObject> combinations = [new JsonObject()];
        foreach (JsonProperty property in schema.GetProperty("properties").EnumerateObject())
        {
            JsonNode[] samples = Samples(property.Value);
            combinations = combinations.SelectMany(partial => samples.Select(sample =>
            {
                var next = (JsonObject)partial.DeepClone();
                next[property.Name] = sample.DeepClone();
                return next;
            })).ToArray();
        }

        return combinations;
    }

    private static JsonNode[] Samples(JsonElement property)
    {
        if (property.TryGetProperty("enum", out JsonElement values))
        {
            return values.EnumerateArray().Select(v => JsonNode.Parse(v.GetRawText())!).ToArray();
        }

        return property.GetProperty("type").GetString() switch
        {
            "string" => ["Paris", "Tokyo", "Springfield", "São Paulo"],
            "number" => [3.5, -2, 1e-9, 12345.678],
            "integer" => [7, -3],
            "boolean" => [true, false],
            var other => throw new InvalidOperationException($"No samples for JSON type {other}."),
        };
    }
}
