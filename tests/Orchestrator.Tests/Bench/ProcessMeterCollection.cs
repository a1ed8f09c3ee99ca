using Xunit;

namespace Orchestrator.Tests.Bench;

/// <summary>
/// The engine's meter is process-wide: a bench run listening to it would count the requests of tests running
/// beside it. Tests that read the meter run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMeterCollection
{
    public const string Name = "process meter";
}
