using System.Diagnostics;
using Orchestrator.UiTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orchestrator.UiTests;

/// <summary>
/// How long the console's list takes on a journal of 100,000 conversations (6 events each, 600,000 rows): the first
/// page, a page deep inside, a prefix search and the last page, each on a fresh connection as a request makes it.
/// A benchmark, not a check: it prints the figures and asserts only that the pages are right. Opt in with
/// <c>ORCHESTRATOR_UI_BENCH=1</c> (seeding takes a while); <c>--logger "console;verbosity=detailed"</c> shows them.
/// </summary>
public sealed class ConversationIndexBenchmark(ITestOutputHelper output) : IDisposable
{
    private const int Conversations = 100_000;
    private const int Rounds = 20;

    private readonly TempDirectory _directory = new();

    [BenchmarkFact]
    public async Task Pages_of_a_journal_with_100000_conversations()
    {
        using var journal = new JournalSeeder(Path.Combine(_directory.Path, "orchestrator.db"));
        var events = JournalSeeder.FinishedTurn("gpt-5.1", 2);
        var seeding = Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        journal.Write(Enumerable.Range(0, Conversations).Select(i => ($"c-{i:x8}", start.AddSeconds(i), events)));
        output.WriteLine($"seeded {Conversations:N0} conversations ({Conversations * events.Count:N0} rows) in {seeding.Elapsed.TotalSeconds:0.0} s; "
                         + $"database {new FileInfo(Path.Combine(_directory.Path, "orchestrator.db")).Length / 1024 / 1024} MiB");
        var index = journal.Index();

        var first = await MeasureAsync("first page (50)", () => index.PageAsync("", null, 50, CancellationToken.None), page => Assert.Equal("c-00000000", page.Items[0].Id));
        Assert.Equal(50, first.Items.Count);
        await MeasureAsync("first page (200)", () => index.PageAsync("", null, 200, CancellationToken.None), page => Assert.Equal(200, page.Items.Count));
        await MeasureAsync("page after c-0000c350 (50)", () => index.PageAsync("", "c-0000c350", 50, CancellationToken.None), page => Assert.Equal("c-0000c351", page.Items[0].Id));
        await MeasureAsync("prefix c-0001869 (16 ids)", () => index.PageAsync("c-0001869", null, 50, CancellationToken.None), page => Assert.Equal(16, page.Items.Count));
        await MeasureAsync("last page", () => index.PageAsync("", $"c-{Conversations - 11:x8}", 50, CancellationToken.None), page => Assert.Null(page.Next));
        await MeasureAsync("one timeline", async () => (await index.EventsAsync("c-00012345", CancellationToken.None)).Rows, rows => Assert.Equal(6, rows.Count));
    }

    private async Task<T> MeasureAsync<T>(string what, Func<Task<T>> run, Action<T> check)
    {
        var cold = Stopwatch.StartNew();
        var result = await run();
        var coldMs = cold.Elapsed.TotalMilliseconds;
        check(result);
        var times = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            var watch = Stopwatch.StartNew();
            check(await run());
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        output.WriteLine($"{what,-28} first call {coldMs,7:0.0} ms · median {times[Rounds / 2],6:0.0} ms · max {times[^1],6:0.0} ms ({Rounds} calls)");
        return result;
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>Skipped, with how to run it, unless <c>ORCHESTRATOR_UI_BENCH=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public override string? Skip
    {
        get => Environment.GetEnvironmentVariable("ORCHESTRATOR_UI_BENCH") == "1" ? null : "a benchmark: set ORCHESTRATOR_UI_BENCH=1 to run it";
        set => throw new NotSupportedException("A benchmark runs when ORCHESTRATOR_UI_BENCH=1.");
    }
}
