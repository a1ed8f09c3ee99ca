using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// The embedded journal's commits, on the <see cref="EngineMetrics.MeterName"/> meter. Rows per commit tell how much
/// the writer gathers: ~1 on an idle node, up to <c>batch-size</c> when conversations wait for the journal.
/// </summary>
public static class JournalMetrics
{
    public const string CommitRows = "orchestrator.journal.commit.rows";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly Histogram<int> CommitRowCount =
        Meter.CreateHistogram(CommitRows, "{event}", "Events committed by each transaction of the embedded journal's writer.", null, HistogramBuckets.Rows);

    /// <summary>The tag that names the database: its file's name, without the directory (no path in metrics).</summary>
    public const string DatabaseTag = "db.namespace";

    internal static void RecordCommit(int rows, KeyValuePair<string, object?> database) => CommitRowCount.Record(rows, database);
}
