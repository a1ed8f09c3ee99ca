using System.ComponentModel;

namespace Orchestrator.Actors.Tools.Demo;

public enum TemperatureUnit
{
    Celsius,
    Fahrenheit,
}

public enum WeatherConditions
{
    Sunny,
    PartlyCloudy,
    Cloudy,
    Rain,
    Snow,
    Fog,
    Thunderstorm,
}

public sealed record WeatherArgs(
    [Description("City name, e.g. Paris or Tokyo.")] string City,
    [Description("Unit for the temperature.")] TemperatureUnit Unit);

public sealed record WeatherReport(
    [Description("The city, as asked.")] string City,
    [Description("Temperature in the requested unit.")] double Temperature,
    [Description("Unit of the temperature.")] TemperatureUnit Unit,
    [Description("Sky and precipitation.")] WeatherConditions Conditions,
    [Description("Relative humidity, 20 to 95.")] int HumidityPercent,
    [Description("Wind speed in km/h.")] int WindKph);

/// <summary><c>get_weather</c>: invented but stable weather, derived from a hash of the city name.</summary>
public static class GetWeather
{
    public const string Name = "get_weather";

    public const string Description =
        "Get the current weather in a city: temperature, conditions, humidity and wind. Fails if the city is blank.";

    public static WeatherReport Run(WeatherArgs args)
    {
        string city = args.City.Trim();
        if (city.Length == 0)
        {
            throw new ArgumentException("The city must not be blank.");
        }

        uint hash = StableHash.Of(city);
        int celsius = (int)(hash % 45) - 10;
        var conditions = (WeatherConditions)((hash >> 8) % 7);
        // Keep precipitation consistent with the temperature.
        conditions = conditions switch
        {
            WeatherConditions.Snow when celsius > 2 => WeatherConditions.Rain,
            WeatherConditions.Rain when celsius < 0 => WeatherConditions.Snow,
            _ => conditions,
        };
        double temperature = args.Unit switch
        {
            TemperatureUnit.Celsius => celsius,
            TemperatureUnit.Fahrenheit => DemoNumbers.Tidy(celsius * 9 / 5.0 + 32),
            _ => throw new ArgumentOutOfRangeException(nameof(args), args.Unit, "Unknown temperature unit."),
        };
        return new WeatherReport(
            city,
            temperature,
            args.Unit,
            conditions,
            HumidityPercent: 20 + (int)((hash >> 16) % 76),
            WindKph: (int)((hash >> 24) % 41));
    }
}
