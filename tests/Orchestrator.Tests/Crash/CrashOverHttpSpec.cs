using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orchestrator.Tests.Crash;

/// <summary>
/// The crash test with every request over HTTP (<c>orchestrator.connections.transport = http</c>): a kill mid-stream
/// cuts the request's connection instead of a WebSocket's, and the conversations still finish exactly. Minutes long,
/// so it runs when <c>ORCHESTRATOR_CRASH_HTTP=1</c>; <c>ORCHESTRATOR_CRASH_KILLS</c> and <c>ORCHESTRATOR_CRASH_SEED</c>
/// apply as to <see cref="CrashSpec"/>.
/// </summary>
[Trait("Category", "Crash")]
[Collection(RunAloneCollection.Name)]
public sealed class CrashOverHttpSpec(ITestOutputHelper output)
{
    [HttpCrashFact]
    public Task Conversations_finish_exactly_through_repeated_SIGKILLs_over_http() =>
        CrashSpec.Run(output, JournalKind.Sqlite, "orchestrator.connections.transport = http", counters =>
        {
            Assert.Equal(0, counters.Connections);
            Assert.True(counters.HttpRequests >= 4 * 60, $"{counters.HttpRequests} HTTP requests");
        });

    /// <summary>Skipped, saying how to run it, unless <c>ORCHESTRATOR_CRASH_HTTP=1</c>.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    private sealed class HttpCrashFactAttribute : FactAttribute
    {
        public override string? Skip
        {
            get => Environment.GetEnvironmentVariable("ORCHESTRATOR_CRASH_HTTP") == "1" ? null : "the crash test over HTTP runs with ORCHESTRATOR_CRASH_HTTP=1";
            set => throw new NotSupportedException("The skip reason follows from the environment.");
        }
    }
}
