using System.ComponentModel;
using System.Text.Json;
using Orchestrator.Actors.Tools;
using Xunit;

namespace Orchestrator.Tests.Tools;

public sealed class ToolSchemaTests
{
    public enum Priority
    {
        Low,
        VeryHigh,
    }

    public sealed record Inner([Description("Inner value.")] int X);

    public sealed record SampleArgs(
        [Description("The city to look up.")] string City,
        int Count,
        Priority Priority,
        string? Note,
        Inner Inner,
        IReadOnlyList<string> Tags,
        double Ratio = 1.0)
    {
        [Description("Say more.")]
        public required bool Verbose { get; init; }

        public string? Mode { get; init; }
    }

    private static JsonElement Schema()
    {
        var registry = new ToolRegistry().Add<SampleArgs, string>("sample", "A sample.", (_, _) => Task.FromResult(""));
        return registry.Definitions.Single().Parameters;
    }

    private static JsonElement Property(string name) => Schema().GetProperty("properties").GetProperty(name);

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public void Root_is_a_closed_object_with_snake_case_properties()
    {
        JsonElement schema = Schema();

        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(
            ["city", "count", "inner", "mode", "note", "priority", "ratio", "tags", "verbose"],
            schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public void Required_lists_constructor_parameters_without_defaults_and_required_members()
    {
        Assert.Equal(
            ["city", "count", "inner", "note", "priority", "tags", "verbose"],
            Strings(Schema().GetProperty("required")).Order());
    }

    [Fact]
    public void Property_types_follow_the_CLR_types_and_nullability()
    {
        Assert.Equal("string", Property("city").GetProperty("type").GetString());
        Assert.Equal("integer", Property("count").GetProperty("type").GetString());
        Assert.Equal("number", Property("ratio").GetProperty("type").GetString());
        Assert.Equal("boolean", Property("verbose").GetProperty("type").GetString());
        Assert.Equal(["string", "null"], Strings(Property("note").GetProperty("type")));
        Assert.Equal("array", Property("tags").GetProperty("type").GetString());
        Assert.Equal("string", Property("tags").GetProperty("items").GetProperty("type").GetString());
    }

    [Fact]
    public void Enums_are_strings_listing_snake_case_values()
    {
        JsonElement priority = Property("priority");

        Assert.Equal("string", priority.GetProperty("type").GetString());
        Assert.Equal(["low", "very_high"], Strings(priority.GetProperty("enum")));
    }

    [Fact]
    public void Descriptions_come_from_parameter_and_member_attributes()
    {
        Assert.Equal("The city to look up.", Property("city").GetProperty("description").GetString());
        Assert.Equal("Say more.", Property("verbose").GetProperty("description").GetString());
        Assert.False(Property("count").TryGetProperty("description", out _));
    }

    [Fact]
    public void Nested_objects_are_closed_and_have_their_own_required_and_descriptions()
    {
        JsonElement inner = Property("inner");

        Assert.Equal("object", inner.GetProperty("type").GetString());
        Assert.False(inner.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["x"], Strings(inner.GetProperty("required")));
        Assert.Equal("Inner value.", inner.GetProperty("properties").GetProperty("x").GetProperty("description").GetString());
    }
}
