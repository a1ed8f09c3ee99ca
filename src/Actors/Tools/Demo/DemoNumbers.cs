using System.Globalization;

namespace Orchestrator.Actors.Tools.Demo;

/// <summary>Number hygiene for demo results: JSON has no infinity, and a model reads 0.3 better than 0.30000000000000004.</summary>
internal static class DemoNumbers
{
    public static double Tidy(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new OverflowException("The result is too large to represent.");
        }

        // Twelve significant digits drop binary noise yet keep far more precision than any demo answer needs.
        return double.Parse(value.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    public static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
