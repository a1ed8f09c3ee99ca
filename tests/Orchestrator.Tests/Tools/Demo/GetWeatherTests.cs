using System.Text.Json;
using Xunit;
using static Orchestrator.Tests.Tools.Demo.DemoToolTesting;

namespace Orchestrator.Tests.Tools.Demo;

public sealed class GetWeatherTests
{
    private static Task<JsonElement> Weather(string city, string unit) =>
        Succeed("get_weather", $$"""{"city":{{JsonSerializer.Serialize(city)}},"unit":"{{unit}}"}""");

    [Fact]
    public async Task Paris_always_gets_the_same_weather()
    {
        // Pinned: the values derive from a stable hash, so they must not change between processes or releases.
        JsonElement report = await Weather("Paris", "celsius");

        Assert.Equal(
            """{"city":"Paris","temperature":15,"unit":"celsius","conditions":"thunderstorm","humidity_percent":64,"wind_kph":25}""",
            report.GetRawText());
    }

    [Fact]
    public async Task Fahrenheit_is_the_same_temperature_converted()
    {
        foreach (string city in new[] { "Paris", "Tokyo", "London", "Springfield" })
        {
            double celsius = (await Weather(city, "celsius")).GetProperty("temperature").GetDouble();
            JsonElement fahrenheit = await Weather(city, "fahrenheit");

            Assert.Equal(Math.Round(celsius * 9 / 5 + 32, 1), fahrenheit.GetProperty("temperature").GetDouble());
            Assert.Equal("fahrenheit", fahrenheit.GetProperty("unit").GetString());
        }
    }

    [Fact]
    public async Task The_city_is_matched_regardless_of_case_and_surrounding_spaces()
    {
        JsonElement canonical = await Weather("Tokyo", "celsius");
        JsonElement sloppy = await Weather("  tOKYO ", "celsius");

        Assert.Equal(canonical.GetProperty("temperature").GetDouble(), sloppy.GetProperty("temperature").GetDouble());
        Assert.Equal(canonical.GetProperty("conditions").GetString(), sloppy.GetProperty("conditions").GetString());
        Assert.Equal("tOKYO", sloppy.GetProperty("city").GetString());
    }

    [Fact]
    public async Task Different_cities_get_different_plausible_weather()
    {
        string[] cities = ["Paris", "Tokyo", "London", "Atlantis", "Springfield", "São Paulo"];
        var reports = new List<JsonElement>();
        foreach (string city in cities)
        {
            reports.Add(await Weather(city, "celsius"));
        }

        Assert.True(reports.Select(r => r.GetProperty("temperature").GetDouble()).Distinct().Count() > 3);
        Assert.All(reports, r =>
        {
            Assert.InRange(r.GetProperty("temperature").GetDouble(), -10, 34);
            Assert.InRange(r.GetProperty("humidity_percent").GetInt32(), 20, 95);
            Assert.InRange(r.GetProperty("wind_kph").GetInt32(), 0, 40);
            string conditions = r.GetProperty("conditions").GetString()!;
            double temperature = r.GetProperty("temperature").GetDouble();
            Assert.False(conditions == "snow" && temperature > 2, "snow above 2 °C");
            Assert.False(conditions == "rain" && temperature < 0, "rain below 0 °C");
        });
    }

    [Fact]
    public async Task A_blank_city_is_an_error()
    {
        Assert.Equal("Tool 'get_weather' failed: The city must not be blank.", await Fail("get_weather", """{"city":"  ","unit":"celsius"}"""));
    }
}
