using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Journal.Dao;
using Akka.Persistence.Sql.Journal.Types;
using Akka.Util;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// A <see cref="DirectReplaySqlJournal"/> that writes the plugin's rows with a writer of its own
/// (<see cref="WriteRowsAsync"/>, over a <see cref="JournalWriteBatcher"/>): the events are serialised by the plugin's own
/// serializer, so the rows are the plugin's, in its native tables with tags in its tag table. It keeps the writes in
/// flight by persistence id, for the highest sequence number to wait on (<see cref="WriteInFlight"/>).
/// </summary>
public abstract class BatchWritingSqlJournal : DirectReplaySqlJournal
{
    /// <summary>
    /// Writes not yet committed, by persistence id. A recovery's highest sequence number waits for the one of its
    /// persistence id, as the plugin's own read does: an actor restarted while its last write was in flight would
    /// otherwise number its next events from below it. Touched on the journal's actor only.
    /// </summary>
    private readonly Dictionary<string, Task> _writesInFlight = [];
    private readonly ByteArrayJournalSerializer _serializer;

    /// <param name="journal">The journal's name, for configuration errors.</param>
    /// <param name="parameterPrefix">How the database's driver names a parameter (<see cref="JournalStatements"/>).</param>
    /// <param name="falseValue">How the database writes <c>false</c> (<see cref="JournalStatements"/>).</param>
    protected BatchWritingSqlJournal(AkkaConfig journalConfig, string journal, char parameterPrefix, string falseValue) : base(journalConfig)
    {
        var table = Config.TableConfig;
        if (table.SchemaName is not null)
            throw new ConfigurationException($"{journal} reads the plugin's tables in the default schema, not '{table.SchemaName}'");
        if (string.IsNullOrEmpty(Config.ConnectionString))
            throw new ConfigurationException($"{journal} needs the plugin's connection-string");
        // A mapping the node's statements do not follow; the node never sets it.
        if (table.UseEventManifestColumn)
            throw new ConfigurationException($"{journal} reads the plugin's journal table without an event manifest column");
        // The compatibility mode keeps the highest sequence number of deleted events in a table of its own.
        if (Config.DaoConfig.SqlCommonCompatibilityMode)
            throw new ConfigurationException($"{journal} reads the plugin's native tables, not its compatibility mode's");
        if (Config.PluginConfig.TagMode != TagMode.TagTable)
            throw new ConfigurationException($"{journal} writes tags to the plugin's tag table (tag-write-mode = TagTable), not in mode {Config.PluginConfig.TagMode}");
        var events = table.EventJournalTable;
        _serializer = new ByteArrayJournalSerializer(
            Config, Context.System.Serialization, Config.PluginConfig.TagSeparator, events.UseWriterUuidColumn ? Guid.NewGuid().ToString("N") : null);
        Statements = new JournalStatements(table, parameterPrefix, falseValue);
    }

    /// <summary>The statements on the plugin's tables, in this database's dialect.</summary>
    protected JournalStatements Statements { get; }

    /// <summary>Queues one write's rows to the writer; the task ends when they are committed, all of them or none.</summary>
    protected abstract Task WriteRowsAsync(JournalRow[] rows);

    /// <summary>
    /// Serialises the events as the plugin does and queues their rows to the writer. An event that fails to serialise
    /// rejects its own atomic write only; the others are written. The journal's circuit breaker bounds the wait
    /// (its call timeout); a write once queued is committed or failed by the writer, not withdrawn.
    /// </summary>
    protected sealed override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var serialized = _serializer.Serialize(writes, DateTime.UtcNow.Ticks);
        var rows = serialized.Where(s => s.IsSuccess).SelectMany(s => s.Success.Value).ToArray();
        var written = WrittenAsync(rows.Length == 0 ? Task.CompletedTask : WriteRowsAsync(rows), serialized);
        var persistenceId = writes[0].PersistenceId;
        _writesInFlight[persistenceId] = written;
        var self = Self;
        written.ContinueWith(
            write => self.Tell(new WriteDone(persistenceId, write)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return written;
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not WriteDone done) return base.ReceivePluginInternal(message);
        // A later write of the same persistence id may have taken its place.
        if (_writesInFlight.TryGetValue(done.PersistenceId, out var latest) && latest == done.Write)
            _writesInFlight.Remove(done.PersistenceId);
        return true;
    }

    /// <summary>
    /// A task that ends (never faulted) when the write in flight of <paramref name="persistenceId"/> has ended, on the
    /// thread pool. Called on the journal's actor.
    /// </summary>
    protected Task WriteInFlight(string persistenceId) =>
        _writesInFlight.TryGetValue(persistenceId, out var writing)
            ? writing.ContinueWith(static _ => { }, TaskScheduler.Default)
            : Task.CompletedTask;

    /// <summary>The rejections of the events that failed to serialise, once the others are committed.</summary>
    private static async Task<IImmutableList<Exception>> WrittenAsync(Task committed, List<Try<JournalRow[]>> serialized)
    {
        await committed.ConfigureAwait(false);
        return serialized.Select(s => s.Failure.HasValue ? s.Failure.Value : null).ToImmutableList()!;
    }

    /// <summary>A write committed or failed, told to the journal so that it forgets the write in flight.</summary>
    private sealed record WriteDone(string PersistenceId, Task Write);

    /// <summary>A row of the replay statement of <see cref="JournalStatements"/>: sequence number, message, serializer, manifest, writer, created.</summary>
    protected static JournalRow ReplayedRow(System.Data.Common.DbDataReader reader, string persistenceId) => new()
    {
        PersistenceId = persistenceId,
        SequenceNumber = reader.GetInt64(0),
        Message = reader.GetFieldValue<byte[]>(1),
        Identifier = reader.IsDBNull(2) ? null : reader.GetInt32(2),
        Manifest = reader.IsDBNull(3) ? string.Empty : reader.GetString(3),
        WriterUuid = reader.IsDBNull(4) ? null : reader.GetString(4),
        Timestamp = reader.GetInt64(5),
    };
}
