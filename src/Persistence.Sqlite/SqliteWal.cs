using Microsoft.Data.Sqlite;
using SQLitePCL;
using static Orchestrator.Persistence.Sqlite.SqliteReads;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded journal's write-ahead log after a purge. Every page a commit wrote stays in the <c>-wal</c> file, the
/// versions that held a deleted conversation's text included, until a checkpoint copies the latest pages into the
/// database file; and SQLite's own checkpoints (passive, every 1,000 pages) leave the file at its size, old frames and
/// all. A checkpoint in TRUNCATE mode copies every frame and empties the file.
/// </summary>
internal static class SqliteWal
{
    /// <summary>
    /// How long the checkpoint waits for the writer and for readers of older pages: well within the journal's circuit
    /// breaker's call timeout (10 s), so that a purge whose rows are deleted is not then reported as failed.
    /// </summary>
    public static readonly TimeSpan BusyWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Checkpoints the whole log and truncates it to zero bytes, waiting up to <see cref="BusyWait"/>; false when the
    /// writer or a reader held it past that, the log then keeping its frames until the next such checkpoint. Leaves the
    /// connection's busy timeout at that until it is opened again: every journal connection sets its own as it opens.
    /// </summary>
    public static bool Truncate(SqliteConnection connection)
    {
        raw.sqlite3_busy_timeout(connection.Handle, (int)BusyWait.TotalMilliseconds);
        using var command = Command(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        using var reader = command.ExecuteReader();
        // One row: busy (1 when the checkpoint could not finish), frames in the log, frames checkpointed.
        return reader.Read() && reader.GetInt64(0) == 0;
    }
}
