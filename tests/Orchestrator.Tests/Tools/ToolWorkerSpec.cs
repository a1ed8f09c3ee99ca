using Akka.Actor;
using Akka.Event;
using Akka.TestKit.Xunit2;
using Orchestrator.Actors.Tools;
using Xunit;
using static Orchestrator.Tests.Tools.ToolTesting;

namespace Orchestrator.Tests.Tools;

/// <summary>
/// The worker that runs one response's calls: in parallel, each outcome to the parent as it comes, then it stops;
/// stopped early, it cancels what still runs. The test actor is the worker's parent.
/// </summary>
public sealed class ToolWorkerSpec : TestKit
{
    public sealed record NoArgs;

    private readonly ToolRegistry _registry = new();

    private ToolInvoker Invoker() => new(_registry, new ToolInvokerOptions { Timeout = Bound });

    [Fact]
    public void Runs_a_responses_calls_at_once_reports_each_to_its_parent_and_stops_after_the_last()
    {
        // Each of the two tools finishes only once the other has started: run one after the other, neither would.
        var (firstStarted, secondStarted) = (Gate(), Gate());
        _registry.Add<NoArgs, string>("first", "", async (_, cancellationToken) =>
        {
            firstStarted.SetResult();
            await secondStarted.Task.WaitAsync(cancellationToken);
            return "one";
        });
        _registry.Add<NoArgs, string>("second", "", async (_, cancellationToken) =>
        {
            secondStarted.SetResult();
            await firstStarted.Task.WaitAsync(cancellationToken);
            return "two";
        });
        ToolCall[] calls = [new("call_1", "first", "{}"), new("call_2", "second", "{}"), new("call_3", "missing", "{}")];

        var worker = ChildActorOf(ToolWorker.Props(Invoker(), "conversation_1", calls));
        Watch(worker);

        var outcomes = Enumerable.Range(0, calls.Length)
            .Select(_ => ExpectMsg<ToolWorker.Completed>(Bound))
            .ToDictionary(c => c.CallId);
        ExpectTerminated(worker, Bound);

        Assert.Equal("one", outcomes["call_1"].Outcome.Output);
        Assert.Equal(("call_2", "second", "two"), (outcomes["call_2"].CallId, outcomes["call_2"].Name, outcomes["call_2"].Outcome.Output));
        Assert.Equal("unknown_tool", ErrorOf(outcomes["call_3"].Outcome).Kind);
    }

    [Fact]
    public async Task Stopped_before_its_calls_finish_it_cancels_them_and_reports_nothing_more()
    {
        var (started, cancelled) = (Gate(), Gate());
        _registry.Add<NoArgs, string>("quick", "", (_, _) => Task.FromResult("done"));
        _registry.Add<NoArgs, string>("endless", "", async (_, cancellationToken) =>
        {
            cancellationToken.Register(cancelled.SetResult);
            started.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "never";
        });

        var worker = ChildActorOf(ToolWorker.Props(Invoker(), "conversation_1", [new("call_1", "quick", "{}"), new("call_2", "endless", "{}")]));
        Assert.Equal("call_1", (await ExpectMsgAsync<ToolWorker.Completed>(Bound)).CallId);
        await started.Task.WaitAsync(Bound);

        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters, typeof(DeadLetter));
        Watch(worker);
        Sys.Stop(worker);
        await ExpectTerminatedAsync(worker, Bound);

        // The running call's token was cancelled (else this times out), and its outcome went to the stopped worker,
        // so to dead letters: it never reached the parent.
        await cancelled.Task.WaitAsync(Bound);
        await deadLetters.FishForMessageAsync<DeadLetter>(d => d.Message is ToolWorker.Completed { CallId: "call_2" } && d.Recipient.Equals(worker), Bound);
        Assert.False(HasMessages, "the parent received something after the worker stopped");
    }
}
