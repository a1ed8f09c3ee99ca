using Xunit;

namespace Orchestrator.Tests.Support;

/// <summary>
/// Tests that must not share the process with others while they run: those that read the process-wide engine
/// meter (other tests' requests would count), and the load tests (1,000 conversations measure the engine, not the
/// neighbours).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAloneCollection
{
    public const string Name = "run alone";
}
