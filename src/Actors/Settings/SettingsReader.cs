using System.Globalization;
using Akka.Configuration;

namespace Orchestrator.Actors.Settings;

/// <summary>
/// Reads the keys of one section strictly: each key must be present (the reference configuration has every one) and
/// hold a value of its type and range, else a <see cref="SettingsException"/> names the full key and what it holds.
/// </summary>
public sealed class SettingsReader(Config section, string path)
{
    public string Key(string key) => $"{path}.{key}";

    public string String(string key) => Value(key, (value, _) => value, "");

    public bool Bool(string key) => Value(key, (value, _) => value.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new FormatException(),
    }, "on or off");

    public int Int(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var value = Value(key, (text, _) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture), "a whole number");
        if (value >= min && value <= max) return value;
        if (max == int.MaxValue && min == 1) throw new SettingsException($"{Key(key)} must be positive, not {value}.");
        throw new SettingsException($"{Key(key)} must be between {min} and {max}, not {value}.");
    }

    public int Positive(string key) => Int(key, min: 1);

    public long Long(string key) => Value(key, (text, _) => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture), "a whole number");

    public double Double(string key) => Value(key, (text, _) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), "a number");

    public TimeSpan Duration(string key) => Value(key, (_, k) => section.GetTimeSpan(k, null, allowInfinite: false), "a duration such as 500ms, 30s or 5m");

    public TimeSpan PositiveDuration(string key)
    {
        var value = Duration(key);
        return value > TimeSpan.Zero ? value : throw new SettingsException($"{Key(key)} must be positive, not {value}.");
    }

    /// <summary>A positive duration that <c>off</c> turns off (null).</summary>
    public TimeSpan? Limit(string key)
    {
        if (String(key).Trim() is "off" or "false") return null;
        var value = Duration(key);
        return value > TimeSpan.Zero ? value : throw new SettingsException($"{Key(key)} must be positive or off, not {String(key)}.");
    }

    /// <summary>A positive size in bytes, such as 65536, 64KiB or 4MiB.</summary>
    public long Bytes(string key)
    {
        var value = Value(key, (_, k) => section.GetByteSize(k) ?? throw new FormatException(), "a size such as 65536, 64KiB or 4MiB");
        return value > 0 ? value : throw new SettingsException($"{Key(key)} must be a positive size, not {value}.");
    }

    private T Value<T>(string key, Func<string, string, T> parse, string expected)
    {
        if (section is null || section.IsEmpty || !section.HasPath(key)) throw new SettingsException($"{Key(key)} is missing.");
        string? text = null;
        try
        {
            text = section.GetString(key);
            return parse(text, key);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or ConfigurationException or InvalidCastException)
        {
            throw new SettingsException($"{Key(key)} must be {expected}, not {(text is null ? "a section" : $"'{text}'")}.", e);
        }
    }
}
