using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Protocol;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// What the SQL plugins' connections to the embedded journal run: <c>orchestrator.sqlite-synchronous</c> (what it
/// accepts, and that a node on it works), and SQLite's own wait for another connection's write lock.
/// </summary>
public sealed class SqliteConnectionSpec : IAsyncLifetime
{
    private TestJournal _journal = null!;

    public async Task InitializeAsync() => _journal = await TestJournal.CreateAsync(JournalKind.Sqlite);

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    [Theory]
    [InlineData(null, SqliteSynchronous.Full)]
    [InlineData("full", SqliteSynchronous.Full)]
    [InlineData(" Normal ", SqliteSynchronous.Normal)]
    public void Full_is_the_default_and_normal_is_the_one_alternative(string? value, SqliteSynchronous expected) =>
        Assert.Equal(expected, SqliteSynchronousSettings.Parse(value));

    [Fact]
    public void Anything_else_is_refused_with_the_key_and_the_choices() =>
        Assert.Contains("\"full\" or \"normal\"", Assert.Throws<ConfigurationException>(() => SqliteSynchronousSettings.Parse("off")).Message);

    [Fact]
    public void A_connection_opened_with_the_plugins_options_runs_synchronous_normal_where_a_plain_one_runs_full()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_journal.DataDirectory!, "pragma.db") }.ToString();

        using var configured = new DataConnection(SqliteConnectionInterceptor.DataOptions(connectionString, SqliteSynchronous.Normal));
        using var plain = new SqliteConnection(connectionString);
        plain.Open();
        using var query = plain.CreateCommand();
        query.CommandText = "PRAGMA synchronous;";

        Assert.Equal(1L, configured.Execute<long>("PRAGMA synchronous;"));
        Assert.Equal(2L, (long)query.ExecuteScalar()!);
    }

    /// <summary>Microsoft.Data.Sqlite sets no busy timeout and sleeps 150 ms at each "busy"; SQLite retries after 1, 2, 5 … ms.</summary>
    [Theory]
    [InlineData(null, 30_000L)]
    [InlineData(5, 5_000L)]
    public void A_connection_opened_with_the_plugins_options_waits_for_locks_in_sqlite_as_long_as_its_commands_may(int? defaultTimeoutSeconds, long expectedMilliseconds)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_journal.DataDirectory!, "busy.db") };
        if (defaultTimeoutSeconds is { } seconds) builder.DefaultTimeout = seconds;

        using var configured = new DataConnection(SqliteConnectionInterceptor.DataOptions(builder.ToString(), SqliteSynchronous.Full));
        using var plain = new SqliteConnection(builder.ToString());
        plain.Open();
        using var query = plain.CreateCommand();
        query.CommandText = "PRAGMA busy_timeout;";

        Assert.Equal(expectedMilliseconds, configured.Execute<long>("PRAGMA busy_timeout;"));
        Assert.Equal(0L, (long)query.ExecuteScalar()!);
    }

    [Fact]
    public async Task A_node_on_synchronous_normal_records_a_turn_and_a_restarted_node_reads_it_back()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        await using (var node = await StartNode(emulator))
        {
            var completed = (await node.RunTurnAsync("c-normal", "go tools:2 rounds:2")).Completed();
            Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", completed.Text);
        }

        await using var restarted = await StartNode(emulator);
        var transcript = await restarted.Client.GetTranscriptAsync("c-normal");

        Assert.True(transcript.Exists);
        Assert.Equal(4, transcript.Window.Count(item => item.Type == "function_call_output"));
    }

    private Task<Orchestrator.Cli.OrchestratorNode> StartNode(EmulatorServer emulator) =>
        TestNodes.StartAsync(_journal, emulator.ResponsesUrl, configure: s => s with { SqliteSynchronous = SqliteSynchronous.Normal });
}
