using Xunit;
using static Orchestrator.Tests.Tools.Demo.DemoToolTesting;

namespace Orchestrator.Tests.Tools.Demo;

public sealed class CalculateTests
{
    [Theory]
    [InlineData("""{"a":6,"b":7,"operation":"multiply"}""", 42, "6 * 7 = 42")]
    [InlineData("""{"a":0.1,"b":0.2,"operation":"add"}""", 0.3, "0.1 + 0.2 = 0.3")]
    [InlineData("""{"a":5,"b":-2.5,"operation":"subtract"}""", 7.5, "5 - -2.5 = 7.5")]
    [InlineData("""{"a":1,"b":3,"operation":"divide"}""", 0.333333333333, "1 / 3 = 0.333333333333")]
    [InlineData("""{"a":-9,"b":4,"operation":"divide"}""", -2.25, "-9 / 4 = -2.25")]
    public async Task Computes_one_operation(string argumentsJson, double expected, string expression)
    {
        var result = await Succeed("calculate", argumentsJson);

        Assert.Equal(expected, result.GetProperty("result").GetDouble());
        Assert.Equal(expression, result.GetProperty("expression").GetString());
    }

    [Fact]
    public async Task Dividing_by_zero_is_an_error()
    {
        Assert.Equal(
            "Tool 'calculate' failed: Cannot divide by zero.",
            await Fail("calculate", """{"a":1,"b":0,"operation":"divide"}"""));
    }

    [Fact]
    public async Task Overflow_is_an_error()
    {
        Assert.Contains("too large", await Fail("calculate", """{"a":1e308,"b":1e308,"operation":"multiply"}"""), StringComparison.Ordinal);
    }
}
