using Xunit;

namespace Orchestrator.Tests.Support;

/// <summary>
/// Waits for a condition the test can only observe by asking (shard state, a server's counters), as AwaitAssert does
/// for actors: asked again every few milliseconds, failing with <c>failure</c> once <c>timeout</c> has passed.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, failure());
            await Task.Delay(Interval, CancellationToken.None);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, failure);
}
