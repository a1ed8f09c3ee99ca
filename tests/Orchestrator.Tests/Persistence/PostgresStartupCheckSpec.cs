using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Orchestrator.Cli;
using Orchestrator.Hosting.Configuration;
using Xunit;
using ConfigurationException = Orchestrator.Hosting.Configuration.ConfigurationException;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// A PostgreSQL journal that cannot be reached at start is a one-line error naming the server and database, within a
/// bounded time, never a node that hangs in recovery. No PostgreSQL server is needed: loopback sockets stand in.
/// </summary>
public sealed class PostgresStartupCheckSpec
{
    private const string Password = "pg-SECRET-never-shown";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_against_a_closed_port_exits_with_the_usage_code_and_one_line_naming_server_and_database()
    {
        var port = ClosedPort();
        var environment = new Dictionary<string, string>
        {
            ["ORCHESTRATOR_JOURNAL"] = "postgres",
            ["ORCHESTRATOR_POSTGRES"] = $"Host=127.0.0.1;Port={port};Username=orchestrator;Password={Password};Database=journal_db",
        };
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await Program.RunAsync(["run", "hello"], name => environment.GetValueOrDefault(name), stdout, stderr).WaitAsync(Bound);

        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: The PostgreSQL journal at 127.0.0.1:" + port + ", database 'journal_db' cannot be opened", line);
        Assert.DoesNotContain(Password, line);
        Assert.DoesNotContain(Password, stdout.ToString());
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_fails_the_check_within_its_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        // Accept and hold the connection, send nothing: what a hung server or a wrong service looks like.
        var held = silent.AcceptTcpClientAsync();
        var store = new PostgresJournalStore(PostgresJournalSettings.Parse(
            $"Host=127.0.0.1;Port={port};Username=orchestrator;Password={Password};Database=journal_db", TimeSpan.FromSeconds(1)));
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => store.PrepareAsync(CancellationToken.None).WaitAsync(Bound));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the check took {clock.Elapsed}");
        Assert.Contains($"127.0.0.1:{port}, database 'journal_db'", e.Message);
        Assert.DoesNotContain(Password, e.Message);
        (await held).Dispose();
    }

    /// <summary>A loopback port nothing listens on: bound by us a moment ago, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
