namespace Orchestrator.Emulator;

/// <summary>
/// Uniform draws that are a pure function of a seed, a number (a request or connection in arrival order)
/// and a salt (which decision): the same seed and the same traffic give the same draws, never timing.
/// </summary>
internal static class SeededDraw
{
    /// <summary>A uniform draw in [0, 1) (SplitMix64).</summary>
    public static double Uniform(int seed, long number, ulong salt)
    {
        ulong z = unchecked((ulong)seed * 0xBF58476D1CE4E5B9 + (ulong)number * salt + salt);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
