using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Load;

/// <summary>
/// A recovery bench's prepared journal kept for further runs (<c>--prepared</c>): preparing 100,000 conversations takes
/// minutes, a restart seconds. The stopped first node's data directory is copied (its databases by SQLite's backup); a marker file names the
/// number of conversations it holds, written last, so a copy cut short is never reused.
/// </summary>
public static class PreparedJournal
{
    private const string Marker = "prepared-conversations";

    /// <summary>Copies the kept journal into <paramref name="dataDirectory"/> (emptied first); false when none fits.</summary>
    public static bool TryRestore(string preparedDirectory, int conversations, string dataDirectory)
    {
        var marker = Path.Combine(preparedDirectory, Marker);
        if (!File.Exists(marker) || File.ReadAllText(marker).Trim() != conversations.ToString(CultureInfo.InvariantCulture)) return false;
        if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
        Directory.CreateDirectory(dataDirectory);
        foreach (var file in Directory.EnumerateFiles(preparedDirectory).Where(f => f != marker))
            File.Copy(file, Path.Combine(dataDirectory, Path.GetFileName(file)));
        return true;
    }

    /// <summary>Keeps the stopped node's <paramref name="dataDirectory"/> in <paramref name="preparedDirectory"/>, replacing what was there.</summary>
    public static void Keep(string dataDirectory, int conversations, string preparedDirectory)
    {
        if (Directory.Exists(preparedDirectory)) Directory.Delete(preparedDirectory, recursive: true);
        Directory.CreateDirectory(preparedDirectory);
        foreach (var file in Directory.EnumerateFiles(dataDirectory).ToList())
        {
            var name = Path.GetFileName(file);
            // The first node's last pooled connections may still be checkpointing the WAL into the database as they
            // close: SQLite's backup copies one consistent state, with what the WAL holds, whatever the files do meanwhile.
            if (name.EndsWith(".db", StringComparison.Ordinal)) Backup(file, Path.Combine(preparedDirectory, name));
            else if (!name.EndsWith("-wal", StringComparison.Ordinal) && !name.EndsWith("-shm", StringComparison.Ordinal)) File.Copy(file, Path.Combine(preparedDirectory, name));
        }
        File.WriteAllText(Path.Combine(preparedDirectory, Marker), conversations.ToString(CultureInfo.InvariantCulture));
    }

    private static void Backup(string database, string copy)
    {
        using var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ToString());
        source.Open();
        target.Open();
        source.BackupDatabase(target);
    }
}
