using Akka.Actor;

namespace Orchestrator.Actors.Tools;

/// <summary>
/// Runs the tool calls of one response in parallel (bounded node-wide by the invoker) and reports each outcome to its
/// parent conversation as it comes, then stops once every call has reported. The invoker turns every failure into an
/// error output, so a worker never crashes its conversation; stopping the worker (the conversation stopped or was
/// passivated) cancels the calls still running.
/// </summary>
/// <remarks>
/// One worker per response rather than per call, made cheaply (an untyped actor, made by a factory rather than by
/// reflection over an expression tree, with no logger of its own): a worker is made for every tool round, so what it
/// costs shows in the allocations of every turn that calls tools.
/// </remarks>
public sealed class ToolWorker : UntypedActor
{
    private readonly CancellationTokenSource _cancel = new();
    private int _running;

    public ToolWorker(ToolInvoker invoker, string conversationId, IReadOnlyList<ToolCall> calls)
    {
        _running = calls.Count;
        foreach (var call in calls)
        {
            // The invoker reports every failure as an outcome; a fault here would be a bug in it, still answered as an error output.
            invoker.InvokeAsync(call.Name, call.Arguments, new ToolContext(call.CallId, conversationId), _cancel.Token).PipeTo(
                Self,
                success: outcome => new Completed(call.CallId, call.Name, outcome),
                failure: e => new Completed(call.CallId, call.Name, new ToolOutcome(
                    $"{{\"error\":{{\"kind\":\"threw\",\"message\":\"{e.GetType().Name}\"}}}}", ToolFailure.Threw, TimeSpan.Zero)));
        }
        if (_running == 0) Context.Stop(Self);
    }

    public static Props Props(ToolInvoker invoker, string conversationId, IReadOnlyList<ToolCall> calls) =>
        FactoryProps.Of(() => new ToolWorker(invoker, conversationId, calls));

    protected override void OnReceive(object message)
    {
        if (message is not Completed completed)
        {
            Unhandled(message);
            return;
        }
        Context.Parent.Tell(completed);
        if (--_running == 0) Context.Stop(Self);
    }

    protected override void PostStop()
    {
        _cancel.Cancel();
        _cancel.Dispose();
    }

    /// <summary>The outcome of one call, for the parent conversation.</summary>
    public sealed record Completed(string CallId, string Name, ToolOutcome Outcome);
}
