using System.Collections.Frozen;
using System.ComponentModel;
using System.Globalization;

namespace Orchestrator.Actors.Tools.Demo;

public sealed record LocalTimeArgs(
    [Description("City name, e.g. Paris or Tokyo.")] string City);

public sealed record CityTime(
    [Description("The city, as asked.")] string City,
    [Description("Local date and time, ISO 8601 with offset.")] string LocalTime,
    [Description("Offset from UTC, e.g. +02:00.")] string UtcOffset,
    [Description("Local day of the week.")] DayOfWeek Weekday,
    [Description("True when the city is not in the demo's table and its offset is a deterministic guess.")] bool Estimated);

/// <summary>
/// <c>get_local_time</c>: local time in a city on a fixed demo clock. No wall clock, so answers are reproducible;
/// offsets are the ones in force at <see cref="DemoInstant"/> (northern summer time).
/// </summary>
public static class GetLocalTime
{
    public const string Name = "get_local_time";

    public const string Description =
        "Get the local date and time in a city. Demo clock: always 2025-06-02 12:00 UTC. Fails if the city is blank.";

    public static readonly DateTimeOffset DemoInstant = new(2025, 6, 2, 12, 0, 0, TimeSpan.Zero);

    private static readonly FrozenDictionary<string, TimeSpan> KnownOffsets = new Dictionary<string, TimeSpan>
    {
        ["Reykjavik"] = TimeSpan.Zero,
        ["London"] = TimeSpan.FromHours(1),
        ["Lagos"] = TimeSpan.FromHours(1),
        ["Paris"] = TimeSpan.FromHours(2),
        ["Berlin"] = TimeSpan.FromHours(2),
        ["Madrid"] = TimeSpan.FromHours(2),
        ["Rome"] = TimeSpan.FromHours(2),
        ["Johannesburg"] = TimeSpan.FromHours(2),
        ["Cairo"] = TimeSpan.FromHours(3),
        ["Istanbul"] = TimeSpan.FromHours(3),
        ["Moscow"] = TimeSpan.FromHours(3),
        ["Nairobi"] = TimeSpan.FromHours(3),
        ["Dubai"] = TimeSpan.FromHours(4),
        ["Mumbai"] = new TimeSpan(5, 30, 0),
        ["Delhi"] = new TimeSpan(5, 30, 0),
        ["Singapore"] = TimeSpan.FromHours(8),
        ["Beijing"] = TimeSpan.FromHours(8),
        ["Shanghai"] = TimeSpan.FromHours(8),
        ["Hong Kong"] = TimeSpan.FromHours(8),
        ["Tokyo"] = TimeSpan.FromHours(9),
        ["Seoul"] = TimeSpan.FromHours(9),
        ["Sydney"] = TimeSpan.FromHours(10),
        ["Auckland"] = TimeSpan.FromHours(12),
        ["Sao Paulo"] = TimeSpan.FromHours(-3),
        ["São Paulo"] = TimeSpan.FromHours(-3),
        ["New York"] = TimeSpan.FromHours(-4),
        ["Toronto"] = TimeSpan.FromHours(-4),
        ["Chicago"] = TimeSpan.FromHours(-5),
        ["Mexico City"] = TimeSpan.FromHours(-6),
        ["Denver"] = TimeSpan.FromHours(-6),
        ["Los Angeles"] = TimeSpan.FromHours(-7),
        ["San Francisco"] = TimeSpan.FromHours(-7),
        ["Vancouver"] = TimeSpan.FromHours(-7),
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static CityTime Run(LocalTimeArgs args)
    {
        string city = args.City.Trim();
        if (city.Length == 0)
        {
            throw new ArgumentException("The city must not be blank.");
        }

        bool known = KnownOffsets.TryGetValue(city, out TimeSpan offset);
        if (!known)
        {
            // A whole-hour offset from UTC-11 to UTC+12, stable per city.
            offset = TimeSpan.FromHours((int)(StableHash.Of(city) % 24) - 11);
        }

        DateTimeOffset local = DemoInstant.ToOffset(offset);
        return new CityTime(
            city,
            local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            local.ToString("zzz", CultureInfo.InvariantCulture),
            local.DayOfWeek,
            Estimated: !known);
    }
}
