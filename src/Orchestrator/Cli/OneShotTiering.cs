namespace Orchestrator.Cli;

/// <summary>
/// The JIT's tiering for the one-shot commands (<c>run</c>, <c>inspect</c>). The executable ships
/// <c>CallCountingDelayMs = 0</c> for the node (<c>serve</c>, Orchestrator.csproj): its hot methods reach the optimising
/// tier at once. A one-shot command exits about a second after it starts, so the ~1,100 methods it would recompile
/// meanwhile cost ~0.5 s of CPU, taken from its own start on a two-core machine, for code that never runs again. Such a
/// command starts over in the same process (<see cref="ProcessImage"/>) with the runtime's default delay set in its
/// environment, which wins over the runtime configuration; that costs one runtime start, ~50 ms.
/// </summary>
public static class OneShotTiering
{
    /// <summary>The runtime's variable for <c>System.Runtime.TieredCompilation.CallCountingDelayMs</c>.</summary>
    public const string DelayVariable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>The same variable under the runtime's older prefix, which it still reads.</summary>
    public const string LegacyDelayVariable = "COMPlus_TC_CallCountingDelayMs";

    /// <summary>100 ms, the runtime's default (its variables are read as hexadecimal).</summary>
    public const string DefaultDelay = "64";

    private static readonly string[] OneShotCommands = ["run", "inspect"];

    /// <summary>
    /// Whether the command line <paramref name="args"/> should start over with <see cref="DelayVariable"/> set: a one-shot
    /// command, started through the executable beside the application (<paramref name="processPath"/> in
    /// <paramref name="appDirectory"/>; <c>dotnet orchestrator.dll</c> cannot be started again as it was), where the
    /// platform can replace a process's image, and neither variable set already: an operator's setting wins, and the
    /// process started over sees the variable and goes on.
    /// </summary>
    public static bool ShouldStartOver(IReadOnlyList<string> args, Func<string, string?> environment, string? processPath, string appDirectory, bool canReplaceImage)
    {
        if (!canReplaceImage || args.Count == 0 || !OneShotCommands.Contains(args[0], StringComparer.Ordinal)) return false;
        if (environment(DelayVariable) is not null || environment(LegacyDelayVariable) is not null) return false;
        return processPath is not null
               && string.Equals(Path.GetDirectoryName(processPath), Path.TrimEndingDirectorySeparator(appDirectory), StringComparison.Ordinal);
    }
}
