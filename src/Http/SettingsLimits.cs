namespace Orchestrator.Http;

/// <summary>
/// What a created conversation's <c>model</c> and <c>instructions</c> may hold. Both are persisted with the
/// conversation and sent with every full request to the model, so their size is bounded here, at the edge; the
/// model is a name, so it is held to the characters model names use.
/// </summary>
public static class SettingsLimits
{
    public const int MaxModelLength = 128;

    /// <summary>Why <paramref name="model"/> cannot be a model name, or null.</summary>
    public static string? ModelProblem(string model)
    {
        if (string.IsNullOrWhiteSpace(model)) return "\"model\" must not be empty; omit it for the default.";
        if (model.Length > MaxModelLength) return $"\"model\" has {model.Length} characters; the limit is {MaxModelLength}.";
        return model.All(IsModelChar) ? null : "\"model\" may hold only letters, digits, '.', '_', ':', '/' and '-'.";
    }

    /// <summary>Why <paramref name="instructions"/> are not acceptable, or null.</summary>
    public static string? InstructionsProblem(string instructions, int maxBytes)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(instructions);
        if (bytes > maxBytes) return $"\"instructions\" have {bytes} bytes (UTF-8); the limit is {maxBytes} (orchestrator.api.max-instructions-bytes).";
        return instructions.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            ? "\"instructions\" may not hold control characters other than tab, line feed and carriage return."
            : null;
    }

    private static bool IsModelChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '/' or '-';
}
