using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.Actors.Tools;

/// <summary>
/// Runs registered tools and turns every failure into an error output for the model, so a bad call never ends
/// a turn. Create one per node and share it: its concurrency bound covers every call made through it.
/// </summary>
public sealed class ToolInvoker
{
    private readonly ToolRegistry _registry;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _slots;

    public ToolInvoker(ToolRegistry registry, ToolInvokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Timeout != Timeout.InfiniteTimeSpan
            && (options.Timeout <= TimeSpan.Zero || options.Timeout.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.Timeout, "Timeout must be positive and at most int.MaxValue ms, or infinite.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, nameof(options));
        _registry = registry;
        _timeout = options.Timeout;
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
    }

    /// <summary>Runs one call. Never throws: unknown tools, bad arguments, exceptions, timeouts and
    /// cancellation all come back as an outcome whose output explains the failure.</summary>
    /// <param name="argumentsJson">The model's <c>arguments</c> string.</param>
    /// <param name="cancellationToken">Cancels the call, whether it is waiting for a slot or running.</param>
    public async Task<ToolOutcome> InvokeAsync(
        string name,
        string argumentsJson,
        ToolContext context,
        CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        if (!_registry.TryGet(name, out RegisteredTool? tool))
        {
            return ToolOutcome.Error(ToolFailure.UnknownTool, UnknownToolMessage(name), Stopwatch.GetElapsedTime(started));
        }

        // Binding first: a call that cannot run should not queue for a slot.
        if (!tool.TryBind(argumentsJson, out object? arguments, out string? problem))
        {
            return ToolOutcome.Error(
                ToolFailure.InvalidArguments,
                $"Invalid arguments for tool '{tool.Name}': {problem}",
                Stopwatch.GetElapsedTime(started));
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ToolOutcome.Error(
                ToolFailure.Cancelled, $"Tool '{tool.Name}' was cancelled before it started.", Stopwatch.GetElapsedTime(started));
        }

        return await RunInSlotAsync(tool, arguments, context, started, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ToolOutcome> RunInSlotAsync(
        RegisteredTool tool,
        object arguments,
        ToolContext context,
        long started,
        CancellationToken cancellationToken)
    {
        // The timer starts only now, so time spent queueing for a slot does not count against the tool.
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancellation.CancelAfter(_timeout);

        // Task.Run so that a tool which blocks before its first await cannot hold the caller past the timeout.
        Task<string> run = Task.Run(() => tool.RunAsync(arguments, context, cancellation.Token), CancellationToken.None);
        try
        {
            // WaitAsync returns at the deadline even if the tool ignores its token.
            string output = await run.WaitAsync(cancellation.Token).ConfigureAwait(false);
            return ToolOutcome.Success(output, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ToolOutcome.Error(
                ToolFailure.Cancelled, $"Tool '{tool.Name}' was cancelled before it finished.", Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return ToolOutcome.Error(
                ToolFailure.TimedOut,
                $"Tool '{tool.Name}' did not finish within {Format(_timeout)}.",
                Stopwatch.GetElapsedTime(started));
        }
        catch (ToolUnavailableException ex)
        {
            return ToolOutcome.Error(
                ToolFailure.Unavailable, $"Tool '{tool.Name}' is unavailable: {MessageOf(ex)}", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            return ToolOutcome.Error(ToolFailure.Threw, $"Tool '{tool.Name}' failed: {MessageOf(ex)}", Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            // A tool abandoned at its deadline keeps its slot until it really ends: the bound is on work actually
            // running, and a tool that never ends costs one slot rather than an unbounded pile of runaway tasks.
            if (run.IsCompleted)
            {
                Release(run, cancellation);
            }
            else
            {
                _ = run.ContinueWith(
                    finished => Release(finished, cancellation),
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    private void Release(Task finished, CancellationTokenSource cancellation)
    {
        // Observe the exception of an abandoned tool so it does not surface as an unobserved task exception.
        _ = finished.Exception;
        cancellation.Dispose();
        _slots.Release();
    }

    private string UnknownToolMessage(string? name)
    {
        IEnumerable<string> known = _registry.Definitions.Select(definition => definition.Name);
        string list = string.Join(", ", known);
        return list.Length == 0
            ? $"Unknown tool '{name}'. No tools are available."
            : $"Unknown tool '{name}'. Available tools: {list}.";
    }

    private static string MessageOf(Exception exception) =>
        string.IsNullOrWhiteSpace(exception.Message) ? exception.GetType().Name : exception.Message;

    private static string Format(TimeSpan duration) =>
        duration < TimeSpan.FromSeconds(1) ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s");
}
