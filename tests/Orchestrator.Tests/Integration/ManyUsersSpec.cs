using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Actors.Tools;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// A node on its shipped connection settings carries a thousand turns at once against one endpoint: every turn holds
/// its lane while its tool call waits on a gate, and only when all thousand hold one does the gate open. It reads the
/// process-wide meter, hence it runs alone.
/// </summary>
[Collection(RunAloneCollection.Name)]
public sealed class ManyUsersSpec : IAsyncLifetime
{
    private const int Turns = 1000;
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(3);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MeterListener _listener = new();
    private long _lanesInUse;
    private TestJournal _journal = null!;

    public ManyUsersSpec()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName && instrument.Name == ConnectionMetrics.LanesInUse) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, delta, _, _) => Interlocked.Add(ref _lanesInUse, delta));
        _listener.Start();
    }

    public async Task InitializeAsync() => _journal = await TestJournal.CreateAsync(JournalKind.Sqlite);

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _journal.DisposeAsync();
    }

    [Fact]
    public async Task With_no_connection_settings_a_node_runs_a_thousand_turns_at_once_over_63_sockets()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        var tools = new ToolRegistry().Add<NoArgs, string>("gated", "Finishes when the test opens the gate.", async (_, ct) => { await _gate.Task.WaitAsync(ct); return "opened"; });
        var settings = OrchestratorSettings.Load(_journal.Environment(_ => null), _journal.DataDirectory, emulator.ResponsesUrl.ToString());
        // Only the tools' timeout changes: the gate stays shut until every turn holds its lane.
        await using var node = await OrchestratorNode.StartAsync(settings with { Tools = settings.Tools with { Timeout = BatchTimeout } }, tools, askTimeout: BatchTimeout);

        var turns = Enumerable.Range(0, Turns).Select(i => node.RunTurnAsync($"c-many-{i}", "go tools:1", BatchTimeout)).ToList();
        await Poll.UntilAsync(() => Interlocked.Read(ref _lanesInUse) >= Turns, BatchTimeout, () => $"only {Interlocked.Read(ref _lanesInUse)} turns held a lane at once");
        var heldAtOnce = Interlocked.Read(ref _lanesInUse);
        _gate.SetResult();
        var completed = await Task.WhenAll(turns);

        Assert.Equal(Turns, heldAtOnce);
        Assert.All(completed, updates => Assert.Contains("calls=1 outputs=1 missing=0 duplicates=0", updates.Completed().Text));
        Assert.Equal((Turns + 15) / 16, emulator.Counters.Connections);
    }

    public sealed record NoArgs;
}
