using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence.Tck;

/// <summary>
/// Akka.Persistence.TCK's <c>SnapshotStoreSpec</c>, case by case, on the node's snapshot store: <c>SqliteSnapshotStore</c>
/// on SQLite, <c>PostgresSnapshotStore</c> on PostgreSQL. Each case starts, as in the TCK, with snapshots s-1 to
/// s-5 of its persistence id saved at sequence numbers 11 to 15. README.md beside this file lists what is ported.
/// </summary>
public sealed class SnapshotStoreSpec
{
    /// <summary>The TCK's <c>SnapshotByteSizeLimit</c>: the node's store takes snapshots of this size at least.</summary>
    private const int SnapshotByteSizeLimit = 10000;

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_not_load_a_snapshot_given_an_invalid_persistence_id(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, _) = Initialize(tck);
        SnapshotStore(tck).Tell(new LoadSnapshot("invalid", SnapshotSelectionCriteria.Latest, long.MaxValue), sender.Ref);
        ExpectNoSnapshot(sender, long.MaxValue);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_not_load_a_snapshot_given_non_matching_timestamp_criteria(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, _) = Initialize(tck);
        Load(tck, sender, new SnapshotSelectionCriteria(long.MaxValue, new DateTime(100000)), long.MaxValue);
        ExpectNoSnapshot(sender, long.MaxValue);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_not_load_a_snapshot_given_non_matching_sequence_number_criteria(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, _) = Initialize(tck);
        Load(tck, sender, new SnapshotSelectionCriteria(7), long.MaxValue);
        ExpectNoSnapshot(sender, long.MaxValue);

        Load(tck, sender, SnapshotSelectionCriteria.Latest, 7);
        ExpectNoSnapshot(sender, 7);
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_load_the_most_recent_snapshot(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        Load(tck, sender, SnapshotSelectionCriteria.Latest, long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[4], "s-5");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_load_the_most_recent_snapshot_matching_an_upper_sequence_number_bound(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        Load(tck, sender, new SnapshotSelectionCriteria(13), long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[2], "s-3");

        Load(tck, sender, SnapshotSelectionCriteria.Latest, 13);
        ExpectSnapshot(sender, 13, metadata[2], "s-3");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_load_the_most_recent_snapshot_matching_an_upper_sequence_number_and_timestamp_bound(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        Load(tck, sender, new SnapshotSelectionCriteria(13, metadata[2].Timestamp), long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[2], "s-3");

        Load(tck, sender, new SnapshotSelectionCriteria(long.MaxValue, metadata[2].Timestamp), 13);
        ExpectSnapshot(sender, 13, metadata[2], "s-3");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_delete_a_single_snapshot_identified_by_SequenceNr_in_snapshot_metadata(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        var md = metadata[2];
        md = new SnapshotMetadata(md.PersistenceId, md.SequenceNr, md.Timestamp);
        Delete<DeleteSnapshotSuccess>(tck, sender, new DeleteSnapshot(md));

        Load(tck, sender, new SnapshotSelectionCriteria(md.SequenceNr), long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[1], "s-2");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_delete_a_single_snapshot_identified_by_SequenceNr_in_snapshot_metadata_if_timestamp_is_MinValue(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        var md = metadata[2];
        // SnapshotMetadata's earlier constructor defaulted the timestamp to DateTime.MinValue.
        md = new SnapshotMetadata(md.PersistenceId, md.SequenceNr, DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc));
        Delete<DeleteSnapshotSuccess>(tck, sender, new DeleteSnapshot(md));

        Load(tck, sender, new SnapshotSelectionCriteria(md.SequenceNr), long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[1], "s-2");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_not_delete_snapshot_identified_by_SequenceNr_if_metadata_timestamp_is_less_than_stored_timestamp(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        var md = metadata[2];
        // Older than the stored snapshot: nothing matches, so nothing is deleted.
        md = new SnapshotMetadata(md.PersistenceId, md.SequenceNr, md.Timestamp - TimeSpan.FromSeconds(2));
        Delete<DeleteSnapshotSuccess>(tck, sender, new DeleteSnapshot(md));

        Load(tck, sender, new SnapshotSelectionCriteria(md.SequenceNr), long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[2], "s-3");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_delete_all_snapshots_matching_upper_sequence_number_and_timestamp_bounds(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        var md = metadata[2];
        Delete<DeleteSnapshotsSuccess>(tck, sender, new DeleteSnapshots(tck.Pid, new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp)));

        Load(tck, sender, new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp), long.MaxValue);
        ExpectNoSnapshot(sender, long.MaxValue);

        Load(tck, sender, new SnapshotSelectionCriteria(metadata[3].SequenceNr, metadata[3].Timestamp), long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[3], "s-4");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_not_delete_snapshots_with_non_matching_upper_timestamp_bounds(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        var md = metadata[3];
        var criteria = new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp.Subtract(TimeSpan.FromTicks(1)));
        var success = Delete<DeleteSnapshotsSuccess>(tck, sender, new DeleteSnapshots(tck.Pid, criteria));
        Assert.Equal(criteria, success.Criteria);

        Load(tck, sender, new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp), long.MaxValue);
        ExpectSnapshot(sender, long.MaxValue, metadata[3], "s-4");
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_save_and_overwrite_snapshot_with_same_sequence_number(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, metadata) = Initialize(tck);
        var md = metadata[4];
        SnapshotStore(tck).Tell(new SaveSnapshot(md, "s-5-modified"), sender.Ref);
        var md2 = sender.ExpectMsg<SaveSnapshotSuccess>().Metadata;
        Assert.Equal(md.SequenceNr, md2.SequenceNr);
        Load(tck, sender, new SnapshotSelectionCriteria(md.SequenceNr), long.MaxValue);
        var result = sender.ExpectMsg<LoadSnapshotResult>();
        Assert.Equal("s-5-modified", result.Snapshot.Snapshot.ToString());
        Assert.Equal(md.SequenceNr, result.Snapshot.Metadata.SequenceNr);
        // The TCK leaves the timestamp free: a store may keep the first one or take the second.
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task SnapshotStore_should_save_bigger_size_snapshot(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, _) = Initialize(tck);
        var metadata = new SnapshotMetadata(tck.Pid, 100, tck.Kit.Sys.Scheduler.Now.UtcDateTime);
        var bigSnapshot = new byte[SnapshotByteSizeLimit];
        new Random().NextBytes(bigSnapshot);
        SnapshotStore(tck).Tell(new SaveSnapshot(metadata, bigSnapshot), sender.Ref);
        sender.ExpectMsg<SaveSnapshotSuccess>();
    }

    [Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]
    public async Task ShouldSerializeSnapshots(JournalKind kind)
    {
        await using var tck = await TckSystem.StartAsync(kind, nameof(SnapshotStoreSpec));
        var (sender, _) = Initialize(tck);
        var probe = tck.Kit.CreateTestProbe();
        var metadata = new SnapshotMetadata(tck.Pid, 100L, tck.Kit.Sys.Scheduler.Now.UtcDateTime);
        var snap = new TestPayload(probe.Ref);

        SnapshotStore(tck).Tell(new SaveSnapshot(metadata, snap), sender.Ref);
        sender.ExpectMsg<SaveSnapshotSuccess>(o =>
        {
            Assert.Equal(metadata.PersistenceId, o.Metadata.PersistenceId);
            Assert.Equal(metadata.SequenceNr, o.Metadata.SequenceNr);
        });

        Load(tck, sender, SnapshotSelectionCriteria.Latest, long.MaxValue);
        sender.ExpectMsg<LoadSnapshotResult>(l =>
        {
            Assert.Equal(tck.Pid, l.Snapshot.Metadata.PersistenceId);
            Assert.Equal(100L, l.Snapshot.Metadata.SequenceNr);
            Assert.Equal(l.Snapshot.Snapshot, snap);
        });
    }

    private static IActorRef SnapshotStore(TckSystem tck) => tck.Extension.SnapshotStoreFor(null);

    /// <summary>
    /// The TCK's <c>Initialize</c>: snapshots s-1 to s-5 saved one after another at sequence numbers 11 to 15, each
    /// with the scheduler's time, and the metadata the store confirmed for each.
    /// </summary>
    private static (TestProbe Sender, List<SnapshotMetadata> Metadata) Initialize(TckSystem tck)
    {
        var sender = tck.Kit.CreateTestProbe();
        var metadata = new List<SnapshotMetadata>();
        for (var i = 1; i <= 5; i++)
        {
            SnapshotStore(tck).Tell(new SaveSnapshot(new SnapshotMetadata(tck.Pid, i + 10, tck.Kit.Sys.Scheduler.Now.UtcDateTime), $"s-{i}"), sender.Ref);
            metadata.Add(sender.ExpectMsg<SaveSnapshotSuccess>().Metadata);
        }
        return (sender, metadata);
    }

    private static void Load(TckSystem tck, TestProbe sender, SnapshotSelectionCriteria criteria, long toSequenceNr) =>
        SnapshotStore(tck).Tell(new LoadSnapshot(tck.Pid, criteria, toSequenceNr), sender.Ref);

    private static void ExpectSnapshot(TestProbe sender, long toSequenceNr, SnapshotMetadata metadata, string snapshot) =>
        sender.ExpectMsg<LoadSnapshotResult>(result =>
            result.ToSequenceNr == toSequenceNr
            && result.Snapshot != null
            && result.Snapshot.Metadata.Equals(metadata)
            && result.Snapshot.Snapshot.ToString() == snapshot);

    private static void ExpectNoSnapshot(TestProbe sender, long toSequenceNr) =>
        sender.ExpectMsg<LoadSnapshotResult>(result => result.Snapshot == null && result.ToSequenceNr == toSequenceNr);

    /// <summary>
    /// Sends a delete command as the TCK's delete cases do: the command published to the event stream (plugin commands
    /// are published), then the store's success.
    /// </summary>
    private static TSuccess Delete<TSuccess>(TckSystem tck, TestProbe sender, object command)
    {
        var sub = tck.Kit.CreateTestProbe();
        tck.Subscribe(command.GetType(), sub.Ref);
        SnapshotStore(tck).Tell(command, sender.Ref);
        sub.ExpectMsg(command);
        return sender.ExpectMsg<TSuccess>();
    }
}
