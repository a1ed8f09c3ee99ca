using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The journals' own writers (SQLite's and PostgreSQL's), on the <see cref="EngineMetrics.MeterName"/> meter. Rows per
/// commit tell how much a writer gathers: ~1 on an idle node, up to <c>batch-size</c> when conversations wait for the
/// journal. Refused writes are those failed at once because the writer's queue held <c>buffer-size</c> writes.
/// </summary>
public static class JournalWriterMetrics
{
    public const string CommitRows = "orchestrator.journal.commit.rows";
    public const string WritesRefused = "orchestrator.journal.writes.refused";

    /// <summary>The tag that names the database: a file's name without its directory, or a server's database name.</summary>
    public const string DatabaseTag = "db.namespace";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly Histogram<int> CommitRowCount =
        Meter.CreateHistogram(CommitRows, "{event}", "Events committed by each transaction of a journal's writer.", null, HistogramBuckets.Rows);
    private static readonly Counter<long> RefusedCount =
        Meter.CreateCounter<long>(WritesRefused, "{write}", "Writes a journal failed at once because its writer's queue was full (buffer-size).");

    internal static void RecordCommit(int rows, KeyValuePair<string, object?> database) => CommitRowCount.Record(rows, database);

    internal static void RecordRefused(KeyValuePair<string, object?> database) => RefusedCount.Add(1, database);
}
