namespace Orchestrator.Emulator.Tests;

/// <summary>The running places of a connection: a freed place goes to the longest-waiting request.</summary>
public sealed class ResponseSlotsTests
{
    [Fact]
    public async Task Waiters_get_freed_places_in_arrival_order()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var slots = new ResponseSlots(2);

        Assert.True(slots.TryTake());
        await slots.WaitAsync(timeout.Token);
        Assert.False(slots.TryTake());
        Task third = slots.WaitAsync(timeout.Token);
        Task fourth = slots.WaitAsync(timeout.Token);

        Assert.False(third.IsCompleted);
        slots.Release();
        await third.WaitAsync(timeout.Token);
        Assert.False(fourth.IsCompleted);
        Assert.False(slots.TryTake());
        slots.Release();
        await fourth.WaitAsync(timeout.Token);
        slots.Release();
        Assert.True(slots.TryTake());
    }

    [Fact]
    public async Task A_cancelled_waiter_is_skipped_and_freed_places_are_kept()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var slots = new ResponseSlots(1);
        Assert.True(slots.TryTake());

        Task cancelled = slots.WaitAsync(gone.Token);
        Task next = slots.WaitAsync(timeout.Token);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        slots.Release();
        await next.WaitAsync(timeout.Token);
        slots.Release();

        Assert.True(slots.TryTake());
    }
}
