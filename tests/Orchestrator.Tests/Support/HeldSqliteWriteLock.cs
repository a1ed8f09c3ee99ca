using Microsoft.Data.Sqlite;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Tests.Support;

/// <summary>
/// Another connection holding the SQLite journal's write lock, so that the journal's next commit waits for it (in
/// SQLite's busy handler) until the test releases it: what queues meanwhile is what the test looks at.
/// </summary>
public sealed class HeldSqliteWriteLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private HeldSqliteWriteLock(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<HeldSqliteWriteLock> TakeAsync(TestJournal journal)
    {
        var connection = new SqliteConnection(
            new SqliteConnectionStringBuilder { DataSource = Path.Combine(journal.DataDirectory!, SqliteJournalStore.FileName) }.ToString());
        await connection.OpenAsync();
        // Immediate: takes the write lock now, not at the first write.
        return new HeldSqliteWriteLock(connection, connection.BeginTransaction(deferred: false));
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.RollbackAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
