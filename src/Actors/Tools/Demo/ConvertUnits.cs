using System.ComponentModel;
using System.Text.Json;

namespace Orchestrator.Actors.Tools.Demo;

public enum MeasurementUnit
{
    Km,
    Mi,
    M,
    Ft,
    Kg,
    Lb,
    Celsius,
    Fahrenheit,
}

public sealed record ConvertUnitsArgs(
    [Description("The quantity to convert.")] double Value,
    [Description("Unit of the value.")] MeasurementUnit FromUnit,
    [Description("Unit to convert to; it must measure the same thing (length, mass or temperature).")] MeasurementUnit ToUnit);

public sealed record Conversion(
    [Description("The quantity converted.")] double Value,
    [Description("Unit of the value.")] MeasurementUnit FromUnit,
    [Description("The value expressed in to_unit.")] double Result,
    [Description("Unit of the result.")] MeasurementUnit ToUnit);

/// <summary><c>convert_units</c>: exact unit conversion within one dimension.</summary>
public static class ConvertUnits
{
    public const string Name = "convert_units";

    public const string Description =
        "Convert a value between units of length (km, mi, m, ft), mass (kg, lb) or temperature (celsius, fahrenheit). " +
        "Fails if the two units measure different things.";

    private enum Dimension
    {
        Length,
        Mass,
        Temperature,
    }

    public static Conversion Run(ConvertUnitsArgs args)
    {
        Dimension from = DimensionOf(args.FromUnit);
        Dimension to = DimensionOf(args.ToUnit);
        if (from != to)
        {
            throw new ArgumentException(
                $"Cannot convert {Show(args.FromUnit)} ({Show(from)}) to {Show(args.ToUnit)} ({Show(to)}): " +
                "they measure different things.");
        }

        double result = from == Dimension.Temperature
            ? FromCelsius(ToCelsius(args.Value, args.FromUnit), args.ToUnit)
            : args.Value * Factor(args.FromUnit) / Factor(args.ToUnit);
        return new Conversion(args.Value, args.FromUnit, DemoNumbers.Tidy(result), args.ToUnit);
    }

    private static Dimension DimensionOf(MeasurementUnit unit) => unit switch
    {
        MeasurementUnit.Km or MeasurementUnit.Mi or MeasurementUnit.M or MeasurementUnit.Ft => Dimension.Length,
        MeasurementUnit.Kg or MeasurementUnit.Lb => Dimension.Mass,
        MeasurementUnit.Celsius or MeasurementUnit.Fahrenheit => Dimension.Temperature,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown unit."),
    };

    // In the dimension's base unit: metres or kilograms (international definitions of the mile, foot and pound).
    private static double Factor(MeasurementUnit unit) => unit switch
    {
        MeasurementUnit.Km => 1000,
        MeasurementUnit.Mi => 1609.344,
        MeasurementUnit.M => 1,
        MeasurementUnit.Ft => 0.3048,
        MeasurementUnit.Kg => 1,
        MeasurementUnit.Lb => 0.45359237,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Not a length or mass unit."),
    };

    private static double ToCelsius(double value, MeasurementUnit unit) =>
        unit == MeasurementUnit.Fahrenheit ? (value - 32) * 5 / 9 : value;

    private static double FromCelsius(double celsius, MeasurementUnit unit) =>
        unit == MeasurementUnit.Fahrenheit ? celsius * 9 / 5 + 32 : celsius;

    private static string Show<T>(T value)
        where T : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
