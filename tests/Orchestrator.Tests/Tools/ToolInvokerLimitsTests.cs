using System.Threading.Channels;
using Orchestrator.Actors.Tools;
using Xunit;
using static Orchestrator.Tests.Tools.ToolTesting;

namespace Orchestrator.Tests.Tools;

/// <summary>Timeouts, caller cancellation and the concurrency bound. Every wait is gated or bounded; none sleeps.</summary>
public sealed class ToolInvokerLimitsTests
{
    public sealed record NoArgs;

    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(200);

    private readonly ToolRegistry _registry = new();

    private ToolInvoker Invoker(TimeSpan? timeout = null, int maxConcurrency = 64) =>
        new(_registry, new ToolInvokerOptions { Timeout = timeout ?? Bound, MaxConcurrency = maxConcurrency });

    private Task<ToolOutcome> Invoke(ToolInvoker invoker, string name, CancellationToken cancellationToken = default) =>
        invoker.InvokeAsync(name, "{}", Context(), cancellationToken);

    [Fact]
    public void Options_default_to_30_seconds_and_64_slots()
    {
        var options = new ToolInvokerOptions();

        Assert.Equal(TimeSpan.FromSeconds(30), options.Timeout);
        Assert.Equal(64, options.MaxConcurrency);
    }

    [Fact]
    public void Rejects_unusable_options()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Invoker(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Invoker(TimeSpan.FromMilliseconds(-5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Invoker(maxConcurrency: 0));
        Assert.NotNull(Invoker(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task A_tool_past_its_timeout_times_out_and_its_token_is_cancelled()
    {
        var tokenCancelled = Gate();
        _registry.Add<NoArgs, string>("slow", "", async (_, cancellationToken) =>
        {
            cancellationToken.Register(tokenCancelled.SetResult);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "never";
        });

        ToolOutcome outcome = await Invoke(Invoker(ShortTimeout), "slow").WaitAsync(Bound);

        Assert.Equal(ToolFailure.TimedOut, outcome.Failure);
        (string kind, string message) = ErrorOf(outcome);
        Assert.Equal("timed_out", kind);
        Assert.Equal("Tool 'slow' did not finish within 200 ms.", message);
        Assert.InRange(outcome.Duration, ShortTimeout * 0.9, Bound);
        await tokenCancelled.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_tool_that_ignores_its_token_is_abandoned_at_the_timeout()
    {
        var never = Gate();
        _registry.Add<NoArgs, string>("stubborn", "", async (_, _) =>
        {
            await never.Task;
            return "late";
        });

        ToolOutcome outcome = await Invoke(Invoker(ShortTimeout), "stubborn").WaitAsync(Bound);

        Assert.Equal(ToolFailure.TimedOut, outcome.Failure);
        Assert.InRange(outcome.Duration, ShortTimeout * 0.9, Bound);
        never.SetResult();
    }

    [Fact]
    public async Task A_tool_that_blocks_its_thread_is_abandoned_at_the_timeout()
    {
        using var unblock = new ManualResetEventSlim();
        _registry.Add<NoArgs, string>("blocking", "", (_, _) =>
        {
            unblock.Wait(Bound);
            return Task.FromResult("late");
        });

        ToolOutcome outcome = await Invoke(Invoker(ShortTimeout), "blocking").WaitAsync(Bound);

        Assert.Equal(ToolFailure.TimedOut, outcome.Failure);
        unblock.Set();
    }

    [Fact]
    public async Task Seconds_are_shown_in_seconds()
    {
        _registry.Add<NoArgs, string>("slow", "", async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "never";
        });

        ToolOutcome outcome = await Invoke(Invoker(TimeSpan.FromSeconds(1.5)), "slow").WaitAsync(Bound);

        Assert.Equal("Tool 'slow' did not finish within 1.5 s.", ErrorOf(outcome).Message);
    }

    [Fact]
    public async Task Caller_cancellation_while_running_gives_cancelled_and_cancels_the_tool()
    {
        var started = Gate();
        var tokenCancelled = Gate();
        _registry.Add<NoArgs, string>("waits", "", async (_, cancellationToken) =>
        {
            cancellationToken.Register(tokenCancelled.SetResult);
            started.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "never";
        });
        using var caller = new CancellationTokenSource();

        Task<ToolOutcome> call = Invoke(Invoker(), "waits", caller.Token);
        await started.Task.WaitAsync(Bound);
        await caller.CancelAsync();
        ToolOutcome outcome = await call.WaitAsync(Bound);

        Assert.Equal(ToolFailure.Cancelled, outcome.Failure);
        (string kind, string message) = ErrorOf(outcome);
        Assert.Equal("cancelled", kind);
        Assert.Equal("Tool 'waits' was cancelled before it finished.", message);
        await tokenCancelled.Task.WaitAsync(Bound);
    }

    [Fact]
    public async Task Caller_cancellation_returns_even_if_the_tool_ignores_it()
    {
        var started = Gate();
        var never = Gate();
        _registry.Add<NoArgs, string>("stubborn", "", async (_, _) =>
        {
            started.SetResult();
            await never.Task;
            return "late";
        });
        using var caller = new CancellationTokenSource();

        Task<ToolOutcome> call = Invoke(Invoker(), "stubborn", caller.Token);
        await started.Task.WaitAsync(Bound);
        await caller.CancelAsync();
        ToolOutcome outcome = await call.WaitAsync(Bound);

        Assert.Equal(ToolFailure.Cancelled, outcome.Failure);
        never.SetResult();
    }

    [Fact]
    public async Task An_already_cancelled_call_does_not_run_the_tool()
    {
        int runs = 0;
        _registry.Add<NoArgs, string>("counted", "", (_, _) => Task.FromResult($"{Interlocked.Increment(ref runs)}"));

        ToolOutcome outcome = await Invoke(Invoker(), "counted", new CancellationToken(canceled: true)).WaitAsync(Bound);

        Assert.Equal(ToolFailure.Cancelled, outcome.Failure);
        Assert.Equal("Tool 'counted' was cancelled before it started.", ErrorOf(outcome).Message);
        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task At_most_MaxConcurrency_tools_run_at_once()
    {
        const int limit = 2;
        const int calls = 6;
        int running = 0;
        int peak = 0;
        var started = Channel.CreateUnbounded<TaskCompletionSource>();
        _registry.Add<NoArgs, string>("gated", "", async (_, _) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            var release = Gate();
            started.Writer.TryWrite(release);
            await release.Task;
            Interlocked.Decrement(ref running);
            return "done";
        });
        ToolInvoker invoker = Invoker(maxConcurrency: limit);

        Task<ToolOutcome>[] outcomes = Enumerable.Range(0, calls).Select(_ => Invoke(invoker, "gated")).ToArray();
        var held = new Queue<TaskCompletionSource>();
        for (int i = 0; i < limit; i++)
        {
            held.Enqueue(await started.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        }

        Assert.False(started.Reader.TryRead(out _), "a call started while every slot was held");
        // Free one slot at a time; each time exactly one queued call may take it.
        for (int i = limit; i < calls; i++)
        {
            held.Dequeue().SetResult();
            held.Enqueue(await started.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        }

        while (held.TryDequeue(out TaskCompletionSource? release))
        {
            release.SetResult();
        }

        ToolOutcome[] results = await Task.WhenAll(outcomes).WaitAsync(Bound);
        Assert.All(results, outcome => Assert.Equal("done", outcome.Output));
        Assert.Equal(limit, peak);
    }

    [Fact]
    public async Task Waiting_for_a_slot_respects_cancellation()
    {
        int entered = 0;
        var started = Gate();
        var release = Gate();
        _registry.Add<NoArgs, string>("hog", "", async (_, _) =>
        {
            Interlocked.Increment(ref entered);
            started.TrySetResult();
            await release.Task;
            return "done";
        });
        ToolInvoker invoker = Invoker(maxConcurrency: 1);
        using var caller = new CancellationTokenSource();

        Task<ToolOutcome> first = Invoke(invoker, "hog");
        await started.Task.WaitAsync(Bound);
        Task<ToolOutcome> queued = Invoke(invoker, "hog", caller.Token);
        await caller.CancelAsync();
        ToolOutcome outcome = await queued.WaitAsync(Bound);

        Assert.Equal(ToolFailure.Cancelled, outcome.Failure);
        Assert.Contains("before it started", ErrorOf(outcome).Message, StringComparison.Ordinal);
        release.SetResult();
        Assert.False((await first.WaitAsync(Bound)).IsError);
        Assert.Equal(1, entered);
    }

    [Fact]
    public async Task An_abandoned_tool_keeps_its_slot_and_the_wait_for_it_does_not_count_toward_the_timeout()
    {
        // Wide margins: the worker's 50 ms of work must fit in the timeout even on a loaded machine.
        TimeSpan timeout = TimeSpan.FromMilliseconds(1500);
        int runawayRunning = 0;
        int runawayRunningWhenWorkerStarted = -1;
        _registry
            // Ignores its token and ends on its own well after the timeout.
            .Add<NoArgs, string>("runaway", "", async (_, _) =>
            {
                Volatile.Write(ref runawayRunning, 1);
                await Task.Delay(timeout * 3, CancellationToken.None);
                Volatile.Write(ref runawayRunning, 0);
                return "late";
            })
            // Real work well inside the timeout: it would time out only if its queueing time were charged to it.
            .Add<NoArgs, string>("worker", "", async (_, cancellationToken) =>
            {
                Volatile.Write(ref runawayRunningWhenWorkerStarted, Volatile.Read(ref runawayRunning));
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
                return "worked";
            });
        ToolInvoker invoker = Invoker(timeout, maxConcurrency: 1);

        Task<ToolOutcome> runaway = Invoke(invoker, "runaway");
        Task<ToolOutcome> worker = Invoke(invoker, "worker");
        ToolOutcome runawayOutcome = await runaway.WaitAsync(Bound);
        ToolOutcome workerOutcome = await worker.WaitAsync(Bound);

        Assert.Equal(ToolFailure.TimedOut, runawayOutcome.Failure);
        Assert.Equal(0, runawayRunningWhenWorkerStarted);
        Assert.Equal(ToolFailure.None, workerOutcome.Failure);
        Assert.Equal("worked", workerOutcome.Output);
        Assert.True(workerOutcome.Duration > timeout * 2, "the worker queued behind the runaway for longer than the timeout");
    }

    [Fact]
    public async Task A_slot_is_free_again_as_soon_as_a_call_returns()
    {
        _registry
            .Add<NoArgs, string>("boom", "", (_, _) => throw new InvalidOperationException("boom"))
            .Add<NoArgs, string>("ok", "", (_, _) => Task.FromResult("ok"));
        ToolInvoker invoker = Invoker(maxConcurrency: 1);

        Assert.Equal(ToolFailure.Threw, (await Invoke(invoker, "boom").WaitAsync(Bound)).Failure);
        Assert.Equal(ToolFailure.Cancelled, (await Invoke(invoker, "ok", new CancellationToken(true)).WaitAsync(Bound)).Failure);
        Assert.Equal("ok", (await Invoke(invoker, "ok").WaitAsync(Bound)).Output);
        Assert.Equal("ok", (await Invoke(invoker, "ok").WaitAsync(Bound)).Output);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current = Volatile.Read(ref target);
        while (value > current)
        {
            int seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
