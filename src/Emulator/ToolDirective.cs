namespace Orchestrator.Emulator;

/// <summary>
/// The scripted model's instruction inside a user message: <c>tools:N</c> asks for N parallel
/// function calls per round, <c>rounds:R</c> (default 1) for R rounds before the final answer.
/// </summary>
internal readonly record struct ToolDirective(int Calls, int Rounds)
{
    // Bounds keep a typo like "tools:99999999" from making the emulator stream megabytes.
    private const int MaxCalls = 256;
    private const int MaxRounds = 1000;

    public static bool TryParse(string text, out ToolDirective directive)
    {
        directive = default;
        int calls = ReadNumberAfter(text, "tools:");
        if (calls < 1)
        {
            return false;
        }

        int rounds = ReadNumberAfter(text, "rounds:");
        directive = new ToolDirective(Math.Min(calls, MaxCalls), Math.Clamp(rounds < 1 ? 1 : rounds, 1, MaxRounds));
        return true;
    }

    /// <summary>The number right after <paramref name="key"/> (spaces allowed between), or -1.</summary>
    private static int ReadNumberAfter(string text, string key)
    {
        int at = text.IndexOf(key, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return -1;
        }

        int position = at + key.Length;
        while (position < text.Length && text[position] == ' ')
        {
            position++;
        }

        long value = -1;
        while (position < text.Length && char.IsAsciiDigit(text[position]) && value < int.MaxValue)
        {
            value = Math.Max(value, 0) * 10 + (text[position] - '0');
            position++;
        }

        return (int)Math.Min(value, int.MaxValue);
    }
}
