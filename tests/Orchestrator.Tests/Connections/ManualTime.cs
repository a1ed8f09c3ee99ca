using Akka.Actor;
using Akka.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace Orchestrator.Tests.Connections;

/// <summary>
/// Time that moves only when a spec says so: the clock the connection actors read (a <see cref="FakeTimeProvider"/>)
/// and the actor system's scheduler (Akka's <see cref="TestScheduler"/>, which fires their timers) advance together,
/// the clock first, so that a timer firing reads the time it was due at.
/// </summary>
public sealed class ManualTime
{
    /// <summary>The configuration an actor system needs for <see cref="ManualTime"/>: timers fire only on <see cref="Advance"/>.</summary>
    public const string Config = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";

    private readonly TestScheduler _scheduler;

    public ManualTime(ActorSystem system) =>
        _scheduler = system.Scheduler as TestScheduler ?? throw new InvalidOperationException($"The actor system needs {Config}.");

    public FakeTimeProvider Clock { get; } = new();

    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        _scheduler.Advance(by);
    }
}
