using Microsoft.Data.Sqlite;
using static Orchestrator.Host.Journal.SqliteReads;

namespace Orchestrator.Host.Journal;

/// <summary>
/// The embedded journal's write-ahead log after a purge. Every page a commit wrote stays in the <c>-wal</c> file, the
/// versions that held a deleted conversation's text included, until a checkpoint copies the latest pages into the
/// database file; and SQLite's own checkpoints (passive, every 1,000 pages) leave the file at its size, old frames and
/// all. A checkpoint in TRUNCATE mode copies every frame and empties the file.
/// </summary>
internal static class SqliteWal
{
    /// <summary>
    /// Checkpoints the whole log and truncates it to zero bytes. It waits (SQLite's busy timeout) for the writer and
    /// for readers of older pages to finish; false when one held it past that, the log then keeping its frames until
    /// the next such checkpoint.
    /// </summary>
    public static bool Truncate(SqliteConnection connection)
    {
        using var command = Command(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        using var reader = command.ExecuteReader();
        // One row: busy (1 when the checkpoint could not finish), frames in the log, frames checkpointed.
        return reader.Read() && reader.GetInt64(0) == 0;
    }
}
