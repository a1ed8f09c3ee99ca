using Xunit;

namespace Orchestrator.Tests.Support;

/// <summary>
/// Waits for a condition the test can only observe by asking (shard state, a server's counters, a node's status over
/// HTTP, the journal's rows), as AwaitAssert does for actors: asked again every <c>interval</c> (a few milliseconds
/// unless the asking itself loads what is under test), failing with <c>failure</c> once the deadline has passed. The
/// one polling loop of the tests: where the code can signal instead, wait for the signal.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(10);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure, TimeSpan? interval = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await UntilAsync(condition, deadline.Token, failure, interval);
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, failure, interval);

    /// <summary>
    /// Until <paramref name="deadline"/> is cancelled: a deadline that several waits share, or that the condition's own
    /// requests are bounded by too.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, CancellationToken deadline, Func<string> failure, TimeSpan? interval = null)
    {
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, failure());
            await Task.Delay(interval ?? DefaultInterval, CancellationToken.None);
        }
    }
}
