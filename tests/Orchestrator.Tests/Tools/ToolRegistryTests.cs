using Orchestrator.Actors.Tools;
using Xunit;

namespace Orchestrator.Tests.Tools;

public sealed class ToolRegistryTests
{
    public sealed record NoArgs;

    private static Task<string> Nothing(NoArgs args, CancellationToken cancellationToken) => Task.FromResult("");

    [Theory]
    [InlineData("a")]
    [InlineData("get_weather")]
    [InlineData("Tool-2")]
    [InlineData("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")]
    public void Accepts_valid_names(string name)
    {
        var registry = new ToolRegistry().Add<NoArgs, string>(name, "", Nothing);

        Assert.True(registry.Contains(name));
        Assert.Equal(name, registry.Definitions.Single().Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("get weather")]
    [InlineData("get.weather")]
    [InlineData("météo")]
    [InlineData("name\n")]
    [InlineData("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-x")]
    public void Rejects_invalid_names_saying_what_is_allowed(string name)
    {
        var registry = new ToolRegistry();

        var error = Assert.Throws<ArgumentException>(() => registry.Add<NoArgs, string>(name, "", Nothing));

        Assert.Equal("name", error.ParamName);
        Assert.Contains("1 to 64 characters", error.Message, StringComparison.Ordinal);
        Assert.Empty(registry.Definitions);
    }

    [Fact]
    public void Rejects_a_duplicate_name_and_keeps_the_first()
    {
        var registry = new ToolRegistry().Add<NoArgs, string>("dup", "first", Nothing);

        var error = Assert.Throws<ArgumentException>(() => registry.Add<NoArgs, string>("dup", "second", Nothing));

        Assert.Contains("'dup' is already registered", error.Message, StringComparison.Ordinal);
        Assert.Equal("first", registry.Definitions.Single().Description);
    }

    [Fact]
    public void Names_are_case_sensitive()
    {
        var registry = new ToolRegistry().Add<NoArgs, string>("tool", "", Nothing).Add<NoArgs, string>("Tool", "", Nothing);

        Assert.Equal(2, registry.Definitions.Count);
    }

    [Fact]
    public void Rejects_argument_types_that_are_not_json_objects()
    {
        var registry = new ToolRegistry();

        Assert.Contains("JSON object", Assert.Throws<ArgumentException>(
            () => registry.Add<int, string>("n", "", (_, _) => Task.FromResult(""))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => registry.Add<string, string>("s", "", (_, _) => Task.FromResult("")));
        Assert.Throws<ArgumentException>(() => registry.Add<List<int>, string>("l", "", (_, _) => Task.FromResult("")));
        Assert.Throws<ArgumentException>(
            () => registry.Add<Dictionary<string, int>, string>("d", "", (_, _) => Task.FromResult("")));
        Assert.Empty(registry.Definitions);
    }

    [Fact]
    public void Rejects_null_description_and_delegate()
    {
        var registry = new ToolRegistry();

        Assert.Throws<ArgumentNullException>(() => registry.Add<NoArgs, string>("t", null!, Nothing));
        Assert.Throws<ArgumentNullException>(
            () => registry.Add<NoArgs, string>("t", "", (Func<NoArgs, CancellationToken, Task<string>>)null!));
        Assert.Throws<ArgumentNullException>(
            () => registry.Add<NoArgs, string>("t", "", (Func<NoArgs, ToolContext, CancellationToken, Task<string>>)null!));
    }

    [Fact]
    public void Definitions_keep_registration_order_and_descriptions()
    {
        var registry = new ToolRegistry()
            .Add<NoArgs, string>("zeta", "Last letter.", Nothing)
            .Add<NoArgs, string>("alpha", "First letter.", Nothing)
            .Add<NoArgs, string>("mu", "Middle letter.", Nothing);

        Assert.Equal(["zeta", "alpha", "mu"], registry.Definitions.Select(d => d.Name));
        Assert.Equal("First letter.", registry.Definitions[1].Description);
        Assert.All(registry.Definitions, d => Assert.Equal("object", d.Parameters.GetProperty("type").GetString()));
    }

    [Fact]
    public void Contains_is_false_for_unknown_names()
    {
        var registry = new ToolRegistry().Add<NoArgs, string>("known", "", Nothing);

        Assert.False(registry.Contains("unknown"));
        Assert.False(registry.Contains("KNOWN"));
        Assert.False(registry.Contains(null!));
    }
}
