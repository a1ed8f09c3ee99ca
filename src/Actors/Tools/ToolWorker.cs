using Akka.Actor;
using Akka.Event;

namespace Orchestrator.Actors.Tools;

/// <summary>
/// Runs one tool call and reports its outcome to its parent conversation, then stops. The invoker turns every
/// failure into an error output, so a worker never crashes its conversation; stopping the worker (the
/// conversation stopped or was passivated) cancels the tool.
/// </summary>
public sealed class ToolWorker : ReceiveActor
{
    private readonly CancellationTokenSource _cancel = new();

    public ToolWorker(ToolInvoker invoker, ToolContext context, string name, string arguments)
    {
        Context.GetLogger().Debug("Conversation {0}: tool {1} call {2} started", context.ConversationId, name, context.CallId);
        Receive<ToolOutcome>(outcome =>
        {
            Context.Parent.Tell(new Completed(context.CallId, name, outcome));
            Context.Stop(Self);
        });
        // The invoker reports every failure as an outcome; a fault here would be a bug in it, still answered as an error output.
        invoker.InvokeAsync(name, arguments, context, _cancel.Token).PipeTo(
            Self,
            failure: e => new ToolOutcome($"{{\"error\":{{\"kind\":\"threw\",\"message\":\"{e.GetType().Name}\"}}}}", ToolFailure.Threw, TimeSpan.Zero));
    }

    public static Props Props(ToolInvoker invoker, ToolContext context, string name, string arguments) =>
        Akka.Actor.Props.Create(() => new ToolWorker(invoker, context, name, arguments));

    protected override void PostStop()
    {
        _cancel.Cancel();
        _cancel.Dispose();
    }

    /// <summary>The outcome of one call, for the parent conversation.</summary>
    public sealed record Completed(string CallId, string Name, ToolOutcome Outcome);
}
