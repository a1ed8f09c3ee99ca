using System.Globalization;
using Xunit;
using static Orchestrator.Tests.Tools.Demo.DemoToolTesting;

namespace Orchestrator.Tests.Tools.Demo;

public sealed class ConvertUnitsTests
{
    [Theory]
    [InlineData(1, "mi", "km", 1.609344)]
    [InlineData(1, "km", "mi", 0.621371192237)]
    [InlineData(5, "km", "m", 5000)]
    [InlineData(3, "ft", "m", 0.9144)]
    [InlineData(10, "m", "ft", 32.8083989501)]
    [InlineData(1, "kg", "lb", 2.20462262185)]
    [InlineData(1, "lb", "kg", 0.45359237)]
    [InlineData(100, "celsius", "fahrenheit", 212)]
    [InlineData(32, "fahrenheit", "celsius", 0)]
    [InlineData(-40, "celsius", "fahrenheit", -40)]
    [InlineData(98.6, "fahrenheit", "celsius", 37)]
    [InlineData(7.5, "kg", "kg", 7.5)]
    public async Task Converts_within_a_dimension(double value, string from, string to, double expected)
    {
        var result = await Succeed(
            "convert_units",
            string.Create(CultureInfo.InvariantCulture, $$"""{"value":{{value}},"from_unit":"{{from}}","to_unit":"{{to}}"}"""));

        Assert.Equal(expected, result.GetProperty("result").GetDouble());
        Assert.Equal(value, result.GetProperty("value").GetDouble());
        Assert.Equal(from, result.GetProperty("from_unit").GetString());
        Assert.Equal(to, result.GetProperty("to_unit").GetString());
    }

    [Theory]
    [InlineData("km", "kg", "Cannot convert km (length) to kg (mass): they measure different things.")]
    [InlineData("lb", "fahrenheit", "Cannot convert lb (mass) to fahrenheit (temperature): they measure different things.")]
    [InlineData("celsius", "ft", "Cannot convert celsius (temperature) to ft (length): they measure different things.")]
    public async Task Refuses_to_convert_between_dimensions(string from, string to, string expected)
    {
        string message = await Fail("convert_units", $$"""{"value":1,"from_unit":"{{from}}","to_unit":"{{to}}"}""");

        Assert.Equal($"Tool 'convert_units' failed: {expected}", message);
    }

    [Fact]
    public async Task A_result_too_large_for_JSON_is_an_error()
    {
        string message = await Fail("convert_units", """{"value":1e308,"from_unit":"km","to_unit":"m"}""");

        Assert.Contains("too large", message, StringComparison.Ordinal);
    }
}
