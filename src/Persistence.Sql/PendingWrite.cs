using Akka.Persistence.Sql.Journal.Types;

namespace Orchestrator.Persistence.Sql;

/// <summary>One <c>WriteMessages</c>' rows, queued to a journal's writer, and the task that reports their commit.</summary>
public sealed class PendingWrite(JournalRow[] rows)
{
    private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public JournalRow[] Rows { get; } = rows;

    public Task Committed => _committed.Task;

    public void Succeed() => _committed.TrySetResult();

    public void Fail(Exception error) => _committed.TrySetException(error);
}
