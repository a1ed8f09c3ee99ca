using System.Threading.Channels;
using Akka.Persistence.Sql.Journal.Types;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The queue of a journal's one writer: the writes of every conversation in the order the journal took them, bounded
/// by <c>buffer-size</c> writes, taken out in batches of everything pending up to <c>batch-size</c> rows, each batch
/// committed in one transaction. A write that cannot be queued fails at once (<see cref="Enqueue"/>) rather than
/// waiting without bound; a batch that fails before its commit is tried again write by write, so that one
/// conversation's failure does not lose the others' events.
/// </summary>
public sealed class JournalWriteBatcher
{
    private readonly Channel<PendingWrite> _pending;
    private readonly int _batchSize;
    private readonly int _bufferSize;
    private readonly KeyValuePair<string, object?> _database;
    private volatile bool _stopped;
    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();

    /// <param name="database">The database's name, for the metrics (<see cref="JournalWriterMetrics.DatabaseTag"/>).</param>
    public JournalWriteBatcher(int batchSize, int bufferSize, string database)
    {
        _batchSize = batchSize;
        _bufferSize = bufferSize;
        _database = new(JournalWriterMetrics.DatabaseTag, database);
        _pending = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(bufferSize) { SingleReader = true });
    }

    /// <summary>
    /// Queues one write's rows; the task ends when they are committed, all of them or none. A write refused (the queue
    /// full: <see cref="InvalidOperationException"/>, counted in <see cref="JournalWriterMetrics.WritesRefused"/>; or
    /// the writer stopped: <see cref="OperationCanceledException"/>) fails at once.
    /// </summary>
    public Task Enqueue(JournalRow[] rows)
    {
        var write = new PendingWrite(rows);
        if (_pending.Writer.TryWrite(write)) return write.Committed;
        if (_stopped) return Task.FromException(new OperationCanceledException("the journal stopped before this write was queued"));
        JournalWriterMetrics.RecordRefused(_database);
        return Task.FromException(new InvalidOperationException(
            $"the journal's write queue is full ({_bufferSize} writes waiting for a commit; the journal's buffer-size)"));
    }

    /// <summary>
    /// Ends the writer: the commit in flight finishes, the writes still queued fail cancelled, as the plugin's do when
    /// its journal stops.
    /// </summary>
    public void Stop()
    {
        _stopped = true;
        _pending.Writer.TryComplete();
    }

    /// <summary>
    /// Runs the writer until <see cref="Stop"/>: takes what is pending (<see cref="Take(List{PendingWrite}, IReadOnlySet{string})"/>)
    /// and commits it with <paramref name="insert"/>, one transaction for the writes given to it, on one of
    /// <paramref name="lanes"/> lanes (a lane is one connection: the lane's index is <paramref name="insert"/>'s second
    /// argument). With more than one lane the next batch is taken and sent while the last one's commit waits for the
    /// disk; a batch never holds a write of a persistence id that has a batch in flight, so one conversation's writes
    /// commit in the order it made them. Once stopped it returns when every lane's commit has ended.
    /// </summary>
    public async Task RunAsync(Func<IReadOnlyList<PendingWrite>, int, ValueTask<WriteFailure?>> insert, int lanes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        var committing = new Task[lanes];
        var ofLane = new HashSet<string>[lanes];
        for (var lane = 0; lane < lanes; lane++)
        {
            committing[lane] = Task.CompletedTask;
            ofLane[lane] = [];
        }
        var inFlight = new HashSet<string>();
        while (await WaitToReadAsync().ConfigureAwait(false))
        {
            var free = Array.FindIndex(committing, commit => commit.IsCompleted);
            if (free < 0)
            {
                await Task.WhenAny(committing).ConfigureAwait(false);
                continue;
            }
            // The persistence ids of the batches still in flight, which this batch must not overtake.
            inFlight.Clear();
            for (var lane = 0; lane < lanes; lane++)
                if (committing[lane].IsCompleted) ofLane[lane].Clear();
                else inFlight.UnionWith(ofLane[lane]);
            var batch = new List<PendingWrite>();
            var rows = Take(batch, inFlight);
            if (batch.Count == 0)
            {
                // Stopped (what was queued has failed), or the first pending write waits for its persistence id's batch.
                if (!_stopped) await Task.WhenAny(committing.Where(commit => !commit.IsCompleted)).ConfigureAwait(false);
                continue;
            }
            foreach (var write in batch)
                foreach (var row in write.Rows)
                    ofLane[free].Add(row.PersistenceId);
            var onLane = free;
            committing[free] = CommitAsync(batch, rows, writes => insert(writes, onLane)).AsTask();
        }
        await Task.WhenAll(committing).ConfigureAwait(false);
    }

    /// <summary>True once a write is pending; false once the writer is stopped and the queue empty.</summary>
    public ValueTask<bool> WaitToReadAsync() => _pending.Reader.WaitToReadAsync();

    /// <summary>
    /// Moves what is pending into <paramref name="batch"/>, up to <c>batch-size</c> rows (a write larger than that
    /// alone), and returns its rows. Once the writer is stopped it takes nothing and fails what is queued.
    /// </summary>
    public int Take(List<PendingWrite> batch) => Take(batch, EmptySet);

    /// <summary>
    /// <see cref="Take(List{PendingWrite})"/>, stopping before the first write of a persistence id in
    /// <paramref name="inFlight"/> (its last batch not yet committed): it and the writes behind it wait, in order.
    /// </summary>
    public int Take(List<PendingWrite> batch, IReadOnlySet<string> inFlight)
    {
        var reader = _pending.Reader;
        if (_stopped)
        {
            while (reader.TryRead(out var cancelled)) cancelled.Fail(new OperationCanceledException("the journal stopped before this write was committed"));
            return 0;
        }
        var rows = 0;
        while (reader.TryPeek(out var next) && (batch.Count == 0 || rows + next.Rows.Length <= _batchSize) && !Overtakes(next, inFlight))
        {
            reader.TryRead(out _);
            batch.Add(next);
            rows += next.Rows.Length;
        }
        return rows;
    }

    private static bool Overtakes(PendingWrite write, IReadOnlySet<string> inFlight)
    {
        if (inFlight.Count == 0) return false;
        foreach (var row in write.Rows)
            if (inFlight.Contains(row.PersistenceId)) return true;
        return false;
    }

    /// <summary>
    /// One transaction for the whole batch. If it fails before the commit (another writer's event under the same
    /// number, say), nothing of the batch was written: each write is tried again alone, so that only the failing one
    /// fails. A failure whose outcome is unknown fails the whole batch, untried.
    /// </summary>
    /// <remarks>Completes synchronously when <paramref name="insert"/> does.</remarks>
    public async ValueTask CommitAsync(List<PendingWrite> batch, int rows, Func<IReadOnlyList<PendingWrite>, ValueTask<WriteFailure?>> insert)
    {
        var failure = await insert(batch).ConfigureAwait(false);
        if (failure is null)
        {
            JournalWriterMetrics.RecordCommit(rows, _database);
            foreach (var write in batch) write.Succeed();
            return;
        }
        if (batch.Count == 1 || failure.OutcomeUnknown)
        {
            foreach (var write in batch) write.Fail(failure.Error);
            return;
        }
        foreach (var write in batch)
        {
            var alone = await insert([write]).ConfigureAwait(false);
            if (alone is null)
            {
                JournalWriterMetrics.RecordCommit(write.Rows.Length, _database);
                write.Succeed();
            }
            else write.Fail(alone.Error);
        }
    }
}
