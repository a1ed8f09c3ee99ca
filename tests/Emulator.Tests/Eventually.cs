namespace Orchestrator.Emulator.Tests;

/// <summary>Waits for a condition the server reaches on its own (a counter), bounded by the test's timeout, as AwaitAssert does.</summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    public static async Task UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
