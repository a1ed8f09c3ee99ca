using Orchestrator.Actors.Diagnostics;
using Orchestrator.Persistence.Sql;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded journal's commits, on the <see cref="EngineMetrics.MeterName"/> meter: the instruments of every
/// journal writer (<see cref="JournalWriterMetrics"/>), tagged with the database file's name.
/// </summary>
public static class JournalMetrics
{
    public const string CommitRows = JournalWriterMetrics.CommitRows;

    /// <summary>The tag that names the database: its file's name, without the directory (no path in metrics).</summary>
    public const string DatabaseTag = JournalWriterMetrics.DatabaseTag;
}
