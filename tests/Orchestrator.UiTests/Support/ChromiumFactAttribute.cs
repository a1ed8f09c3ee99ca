using Xunit;

namespace Orchestrator.UiTests.Support;

/// <summary>
/// A browser test: it drives Debian's chromium (<see cref="Chromium.Path"/>), which <c>.ci/run</c> installs. Without
/// it the test is skipped with the reason, except under <c>CI=true</c>, where it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public override string? Skip
    {
        get => Chromium.SkipReason;
        set => throw new NotSupportedException("The skip reason of a browser test follows from the machine.");
    }
}

public static class Chromium
{
    /// <summary>Debian's package; <c>ORCHESTRATOR_TEST_CHROMIUM</c> names another binary.</summary>
    public static string Path => Environment.GetEnvironmentVariable("ORCHESTRATOR_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static string? SkipReason =>
        File.Exists(Path) || Environment.GetEnvironmentVariable("CI") == "true"
            ? null
            : $"no chromium at {Path}: install it (apt-get install -y chromium, as .ci/run does) or set ORCHESTRATOR_TEST_CHROMIUM to run the console's browser tests";
}
