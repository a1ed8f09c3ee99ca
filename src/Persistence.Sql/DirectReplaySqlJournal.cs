using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Db;
using Akka.Persistence.Sql.Extensions;
using Akka.Persistence.Sql.Journal;
using Akka.Persistence.Sql.Journal.Types;
using LinqToDB;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// Akka.Persistence.Sql's journal, replaying a recovery without Akka.Streams. The plugin materialises two stream
/// graphs for every replay, each an actor of its own, to run one query, and a node restarting with many conversations
/// replays each of them. This journal runs the same query — the plugin's table mapping,
/// batches of <c>replay-batch-size</c>, a transaction at <c>read-isolation-level</c> — and hands each row to the
/// recovery as it is deserialised. Writes, partial deletes and the highest sequence number stay the plugin's.
/// <para>
/// A delete of every event of a persistence id (up to its highest sequence number: how a conversation is deleted)
/// purges it: its rows and tags are deleted, where the plugin would keep the highest row, payload and all, marked
/// deleted to hold its sequence number. Nothing of the persistence id stays, so a new incarnation numbers its events
/// from 1 again, which is sound only because its snapshots are deleted first (ConversationActor deletes them before
/// the events and waits for snapshots being saved) and no reader follows a persistence id by sequence number.
/// </para>
/// </summary>
public class DirectReplaySqlJournal : SqlWriteJournal
{
    private readonly JournalConfig _config;
    private readonly AkkaPersistenceDataConnectionFactory _connections;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly CancellationTokenSource _stopping = new();

    public DirectReplaySqlJournal(AkkaConfig journalConfig) : base(journalConfig)
    {
        _config = ConfigFor(journalConfig, Context.System.Settings.Setup);
        _connections = new AkkaPersistenceDataConnectionFactory(_config);
        _serialization = Context.System.Serialization;
    }

    public override async Task ReplayMessagesAsync(
        IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback)
    {
        // Taken once: the source is disposed when the journal stops, and a later batch then ends cancelled.
        var stopping = _stopping.Token;
        var next = Math.Max(1, fromSequenceNr);
        var remaining = max;
        while (remaining > 0 && next <= toSequenceNr)
        {
            var batch = new ReplayBatch(persistenceId, next, toSequenceNr, (int)Math.Min(_config.DaoConfig.ReplayBatchSize, remaining));
            var rows = await ReadBatchAsync(batch, stopping);
            foreach (var row in rows) recoveryCallback(Deserialize(row));
            if (rows.Count < batch.Rows) return;
            remaining -= rows.Count;
            next = rows[^1].SequenceNumber + 1;
        }
    }

    protected override async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        // Read on the journal's actor, before the first await, as the plugin reads it for a recovery.
        var highest = await ReadHighestSequenceNrAsync(persistenceId, 0, cancellationToken);
        if (toSequenceNr < highest) await base.DeleteMessagesToAsync(persistenceId, toSequenceNr, cancellationToken);
        else await PurgeAsync(persistenceId, cancellationToken);
    }

    /// <summary>Deletes every row and tag of <paramref name="persistenceId"/>, in one transaction.</summary>
    protected virtual Task PurgeAsync(string persistenceId, CancellationToken cancellationToken) =>
        _connections.ExecuteWithTransactionAsync(_config.WriteIsolationLevel, cancellationToken, async (connection, token) =>
        {
            await connection.GetTable<JournalTagRow>().Where(r => r.PersistenceId == persistenceId).DeleteAsync(token);
            await connection.GetTable<JournalRow>().Where(r => r.PersistenceId == persistenceId).DeleteAsync(token);
        });

    /// <summary>The journal's configuration as the plugin reads it, with the node's linq2db options.</summary>
    protected JournalConfig Config => _config;

    /// <summary>
    /// Up to <see cref="ReplayBatch.Rows"/> rows of <see cref="ReplayBatch.PersistenceId"/> from <see cref="ReplayBatch.From"/>
    /// to <see cref="ReplayBatch.To"/>, not deleted, in order of sequence number: the plugin's own query.
    /// </summary>
    protected virtual Task<List<JournalRow>> ReadBatchAsync(ReplayBatch batch, CancellationToken cancellationToken) =>
        _connections.ExecuteWithTransactionAsync(batch, _config.ReadIsolationLevel, cancellationToken, static (connection, token, batch) =>
            LinqToDB.Async.AsyncExtensions.ToListAsync(
                connection.GetTable<JournalRow>()
                    .Where(r => r.PersistenceId == batch.PersistenceId && r.SequenceNumber >= batch.From && r.SequenceNumber <= batch.To && r.Deleted == false)
                    .OrderBy(r => r.SequenceNumber)
                    .Take(batch.Rows),
                token));

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        base.PostStop();
    }

    /// <summary>As the plugin's serializer reads a row the plugin wrote (it records the serializer of every event).</summary>
    private Persistent Deserialize(JournalRow row)
    {
        if (row.Identifier is not { } serializerId)
            throw new InvalidOperationException(
                $"event {row.SequenceNumber} of {row.PersistenceId} has no serializer id: written by an older journal plugin, which this journal does not read");
        return new Persistent(
            _serialization.Deserialize(row.Message, serializerId, row.Manifest), row.SequenceNumber, row.PersistenceId,
            row.EventManifest ?? row.Manifest, row.Deleted, ActorRefs.NoSender, row.WriterUuid, row.Timestamp);
    }

    /// <summary>
    /// The configuration the plugin builds for itself, with the linq2db options the node gives its SQL plugins by
    /// plugin id. The plugin's other way in, one <see cref="DataOptionsSetup"/> for all, cannot be read from here.
    /// </summary>
    private static JournalConfig ConfigFor(AkkaConfig journalConfig, Akka.Actor.Setup.ActorSystemSetup setup)
    {
        if (setup.Get<DataOptionsSetup>().HasValue)
            throw new ConfigurationException($"{nameof(DirectReplaySqlJournal)} takes its linq2db options from a {nameof(MultiDataOptionsSetup)} (by plugin id), not a {nameof(DataOptionsSetup)}");
        var config = new JournalConfig(journalConfig.WithFallback(SqlPersistence.DefaultJournalConfiguration));
        var byPlugin = setup.Get<MultiDataOptionsSetup>();
        return config.PluginId is { } pluginId && byPlugin.HasValue && byPlugin.Value.TryGetDataOptionsFor(pluginId, out var options) && options is not null
            ? config.WithDataOptions(options)
            : config;
    }

    /// <summary>One query of a replay.</summary>
    protected sealed record ReplayBatch(string PersistenceId, long From, long To, int Rows);
}
