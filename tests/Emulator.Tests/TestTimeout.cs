namespace Orchestrator.Emulator.Tests;

/// <summary>Every test is bounded: a hung server fails the test instead of hanging the suite.</summary>
internal static class TestTimeout
{
    public static CancellationTokenSource Start() => new(TimeSpan.FromSeconds(15));
}
