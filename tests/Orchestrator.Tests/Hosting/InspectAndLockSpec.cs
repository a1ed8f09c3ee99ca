using Orchestrator.Emulator;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// One node on a SQLite journal: a second node on the same journal is refused with what to do, and
/// <c>inspect</c> reads the history meanwhile (reading takes no lock).
/// </summary>
public sealed class InspectAndLockSpec
{
    [Fact]
    public async Task A_second_node_on_the_journal_is_refused_and_inspect_reads_the_history_while_the_first_runs()
    {
        await using var ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions());
        await using var node = await ground.StartNodeAsync();
        (await node.RunTurnAsync("c-inspected", "compare tools:2")).Completed();

        var second = await CliRun.InProcessAsync("run", "--data", ground.Journal.DataDirectory!, "--endpoint", ground.Emulator.BaseUrl.ToString(), "hello");
        Assert.Equal(2, second.ExitCode);
        Assert.Contains("in use by another node", second.Error);
        Assert.Contains("POST /v1/conversations/{id}/messages", second.Error);

        var inspect = await CliRun.InProcessAsync("inspect", "c-inspected", "--data", ground.Journal.DataDirectory!);
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        var lines = inspect.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("conversation c-inspected · model ", lines[0]);
        Assert.Equal("turn 1", lines[1]);
        Assert.Contains("user      \"compare tools:2\"", lines[2]);
        Assert.Contains("2 tool calls", lines[3]);
        Assert.EndsWith("· full send", lines[3]);
        Assert.Equal(2, lines.Count(l => l.Contains("  tool      call_") || l.Contains(" tool      call_")));
        Assert.Matches(@"response  \S+: answer "".*calls=2 outputs=2 missing=0.* · continued$", lines[^1]);

        var unknown = await CliRun.InProcessAsync("inspect", "c-never", "--data", ground.Journal.DataDirectory!);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no conversation 'c-never'", unknown.Error);
    }
}
