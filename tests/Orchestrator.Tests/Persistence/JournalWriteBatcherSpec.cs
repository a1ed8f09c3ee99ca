using System.Threading.Channels;
using Akka.Persistence.Sql.Journal.Types;
using Orchestrator.Persistence.Sql;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The journal writers' queue (<see cref="JournalWriteBatcher"/>) with more than one batch in flight, its commits
/// played by the test (<see cref="Commits"/>): the next batch is sent while one commits, never with a write of a
/// persistence id whose batch is still in flight, and a batch that fails is tried again write by write on its own lane
/// while the other lane's batch commits.
/// </summary>
public sealed class JournalWriteBatcherSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_next_batch_is_sent_while_one_commits_but_a_conversations_next_write_waits_for_its_last()
    {
        var batcher = new JournalWriteBatcher(batchSize: 100, bufferSize: 10, "batcher-spec");
        var commits = new Commits();
        var running = batcher.RunAsync(commits.InsertAsync, lanes: 2);

        var a1 = batcher.Enqueue(Rows("a", 1));
        var first = await commits.NextAsync();
        var b1 = batcher.Enqueue(Rows("b", 1));
        var a2 = batcher.Enqueue(Rows("a", 2));
        var c1 = batcher.Enqueue(Rows("c", 1));
        var second = await commits.NextAsync();

        Assert.Equal(["a 1"], first.Rows);
        // b's write goes beside a's commit; a's second write stops the batch, and c's, behind it, waits with it.
        Assert.Equal(["b 1"], second.Rows);
        Assert.NotEqual(first.Lane, second.Lane);
        Assert.False(a2.IsCompleted);

        first.Commit();
        var third = await commits.NextAsync();
        Assert.Equal(["a 2", "c 1"], third.Rows);
        Assert.Equal(first.Lane, third.Lane);
        second.Commit();
        third.Commit();

        await Task.WhenAll(a1, b1, a2, c1).WaitAsync(Wait);
        batcher.Stop();
        await running.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_batch_that_fails_while_another_is_in_flight_is_tried_again_write_by_write_and_only_its_failing_write_fails()
    {
        var batcher = new JournalWriteBatcher(batchSize: 100, bufferSize: 10, "batcher-spec");
        var commits = new Commits();

        // Queued before the writer runs, so that its first batch holds both.
        var b1 = batcher.Enqueue(Rows("b", 1));
        var taken = batcher.Enqueue(Rows("taken", 1));
        var running = batcher.RunAsync(commits.InsertAsync, lanes: 2);
        var second = await commits.NextAsync();
        Assert.Equal(["b 1", "taken 1"], second.Rows);
        var a1 = batcher.Enqueue(Rows("a", 1));
        var first = await commits.NextAsync();
        Assert.Equal(["a 1"], first.Rows);

        var refused = new InvalidOperationException("another writer's event under this number");
        second.Fail(refused);
        // Tried again alone on the failed batch's lane, one after the other, while a's batch still commits.
        var b1Alone = await commits.NextAsync();
        Assert.Equal(["b 1"], b1Alone.Rows);
        Assert.Equal(second.Lane, b1Alone.Lane);
        b1Alone.Commit();
        var takenAlone = await commits.NextAsync();
        Assert.Equal(["taken 1"], takenAlone.Rows);
        Assert.Equal(second.Lane, takenAlone.Lane);
        Assert.False(a1.IsCompleted);
        takenAlone.Fail(refused);

        Assert.Same(refused, await Assert.ThrowsAsync<InvalidOperationException>(() => taken.WaitAsync(Wait)));
        await b1.WaitAsync(Wait);
        Assert.False(a1.IsCompleted);
        first.Commit();
        await a1.WaitAsync(Wait);
        batcher.Stop();
        await running.WaitAsync(Wait);
    }

    [Fact]
    public async Task Stopping_lets_every_commit_in_flight_finish_and_fails_what_is_queued_cancelled()
    {
        var batcher = new JournalWriteBatcher(batchSize: 100, bufferSize: 10, "batcher-spec");
        var commits = new Commits();
        var running = batcher.RunAsync(commits.InsertAsync, lanes: 2);
        var a1 = batcher.Enqueue(Rows("a", 1));
        var first = await commits.NextAsync();
        var b1 = batcher.Enqueue(Rows("b", 1));
        var second = await commits.NextAsync();
        // Both lanes busy: this one stays queued.
        var c1 = batcher.Enqueue(Rows("c", 1));

        batcher.Stop();
        await Assert.ThrowsAsync<OperationCanceledException>(() => batcher.Enqueue(Rows("d", 1)).WaitAsync(Wait));
        first.Commit();
        await Assert.ThrowsAsync<OperationCanceledException>(() => c1.WaitAsync(Wait));
        Assert.False(running.IsCompleted);
        second.Commit();

        await Task.WhenAll(a1, b1).WaitAsync(Wait);
        await running.WaitAsync(Wait);
        Assert.False(commits.Pending);
    }

    private static JournalRow[] Rows(string persistenceId, long sequenceNr) =>
        [new JournalRow { PersistenceId = persistenceId, SequenceNumber = sequenceNr, Message = [], TagArray = [] }];

    /// <summary>The batches the batcher sends, in order, each committed or failed when the test says.</summary>
    private sealed class Commits
    {
        private readonly Channel<SentBatch> _sent = Channel.CreateUnbounded<SentBatch>();

        public bool Pending => _sent.Reader.TryPeek(out _);

        public ValueTask<WriteFailure?> InsertAsync(IReadOnlyList<PendingWrite> writes, int lane)
        {
            var commit = new SentBatch([.. writes.SelectMany(w => w.Rows).Select(r => $"{r.PersistenceId} {r.SequenceNumber}")], lane);
            _sent.Writer.TryWrite(commit);
            return new ValueTask<WriteFailure?>(commit.Outcome);
        }

        public async Task<SentBatch> NextAsync() => await _sent.Reader.ReadAsync().AsTask().WaitAsync(Wait);
    }

    private sealed class SentBatch(List<string> rows, int lane)
    {
        private readonly TaskCompletionSource<WriteFailure?> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Rows { get; } = rows;

        public int Lane { get; } = lane;

        public Task<WriteFailure?> Outcome => _outcome.Task;

        public void Commit() => _outcome.SetResult(null);

        public void Fail(Exception error) => _outcome.SetResult(new WriteFailure(error, OutcomeUnknown: false));
    }
}
