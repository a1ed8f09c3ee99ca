using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Tests.Support;

/// <summary>
/// What a spec starts its nodes on: an emulator as the model and an empty journal (SQLite unless asked otherwise).
/// Disposing it stops the emulator and removes the journal; the nodes started on it are the spec's to dispose first.
/// </summary>
public sealed class EmulatorAndJournal : IAsyncDisposable
{
    private EmulatorAndJournal(EmulatorServer emulator, TestJournal journal)
    {
        Emulator = emulator;
        Journal = journal;
    }

    public EmulatorServer Emulator { get; }

    public TestJournal Journal { get; }

    public static async Task<EmulatorAndJournal> StartAsync(EmulatorOptions options, JournalKind journal = JournalKind.Sqlite)
    {
        var emulator = await EmulatorServer.StartAsync(options);
        try
        {
            return new EmulatorAndJournal(emulator, await TestJournal.CreateAsync(journal));
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>A node on this journal with the emulator as its endpoint, as <see cref="TestNodes.StartAsync"/> starts it.</summary>
    public Task<OrchestratorNode> StartNodeAsync(Func<OrchestratorSettings, OrchestratorSettings>? configure = null, TimeSpan? askTimeout = null) =>
        TestNodes.StartAsync(Journal, Emulator.ResponsesUrl, configure: configure, askTimeout: askTimeout);

    /// <summary>The responses the nodes asked the emulator for, in order (recorded with <see cref="EmulatorOptions.RecordTraffic"/>).</summary>
    public List<TrafficRecord> Requests() => Emulator.Traffic.Where(r => r.Type == "response.create").ToList();

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        await Journal.DisposeAsync();
    }
}
