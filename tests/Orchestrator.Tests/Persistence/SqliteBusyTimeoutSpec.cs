using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using Orchestrator.Host.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The SQL plugins' connections wait for another connection's write lock inside SQLite (retrying after 1, 2, 5 … ms)
/// rather than in Microsoft.Data.Sqlite, which sleeps 150 ms at each "busy".
/// </summary>
public sealed class SqliteBusyTimeoutSpec : IAsyncLifetime
{
    private TestJournal _journal = null!;

    public async Task InitializeAsync() => _journal = await TestJournal.CreateAsync(JournalKind.Sqlite);

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    [Theory]
    [InlineData(null, 30_000L)]
    [InlineData(5, 5_000L)]
    public void A_connection_opened_with_the_plugins_options_waits_in_sqlite_as_long_as_its_commands_may(int? defaultTimeoutSeconds, long expectedMilliseconds)
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
}
