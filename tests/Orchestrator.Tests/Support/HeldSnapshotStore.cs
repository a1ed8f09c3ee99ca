using Akka.Persistence;
using Akka.Persistence.Snapshot;

namespace Orchestrator.Tests.Support;

/// <summary>
/// The in-memory snapshot store, except that once the test has sent <see cref="HeldWritesJournal.Hold"/> it confirms
/// each save only when the test sends <see cref="HeldWritesJournal.Release"/> (one per held save, in order), and it
/// publishes every range deletion it is asked for on the event stream as <see cref="Deleted"/>. Between
/// <see cref="HoldLoads"/> and <see cref="ReleaseLoads"/> it answers no load: a recovery, which starts with one, cannot
/// end before the test has sent what must reach the actor during it.
/// </summary>
public sealed class HeldSnapshotStore : MemorySnapshotStore
{
    private readonly Queue<TaskCompletionSource> _held = new();
    private bool _holding;
    private TaskCompletionSource? _loadsHeld;

    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        if (_loadsHeld is { } held) await held.Task.WaitAsync(cancellationToken);
        return await base.LoadAsync(persistenceId, criteria, cancellationToken);
    }

    protected override async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var release = _holding ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        if (release is not null) _held.Enqueue(release);
        await base.SaveAsync(metadata, snapshot, cancellationToken);
        if (release is not null) await release.Task;
    }

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        Context.System.EventStream.Publish(new Deleted(persistenceId, criteria.MaxSequenceNr));
        return base.DeleteAsync(persistenceId, criteria, cancellationToken);
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is HeldWritesJournal.Hold) _holding = true;
        else if (message is HeldWritesJournal.Release) _held.Dequeue().SetResult();
        else if (message is HoldLoads) _loadsHeld ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        else if (message is ReleaseLoads)
        {
            _loadsHeld?.SetResult();
            _loadsHeld = null;
        }
        else return base.ReceivePluginInternal(message);
        return true;
    }

    public sealed class HoldLoads
    {
        public static readonly HoldLoads Instance = new();

        private HoldLoads()
        {
        }
    }

    public sealed class ReleaseLoads
    {
        public static readonly ReleaseLoads Instance = new();

        private ReleaseLoads()
        {
        }
    }

    /// <summary>Snapshots of <paramref name="PersistenceId"/> up to <paramref name="MaxSequenceNr"/> were asked to be deleted.</summary>
    public sealed record Deleted(string PersistenceId, long MaxSequenceNr);
}
