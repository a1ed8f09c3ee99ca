using Akka.Persistence.Sql.Journal.Types;
using NpgsqlTypes;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The PostgreSQL journal: Akka.Persistence.Sql's journal writing the plugin's tables with a writer of its own
/// (<see cref="PostgresEventWriter"/>: every conversation's writes in one queue, committed together) and reading them
/// for recoveries with plain Npgsql statements: the highest sequence number and the replay, prepared once on a few kept
/// connections (<see cref="PostgresReadSessions"/>). Events are serialised by
/// the plugin's own serializer, so the rows are the plugin's; partial deletes and the purge stay
/// <see cref="DirectReplaySqlJournal"/>'s. The plugin creates the tables (<c>auto-initialize</c>).
/// </summary>
public sealed class PostgresJournal : BatchWritingSqlJournal
{
    private readonly PostgresEventWriter _writer;
    private readonly PostgresReadSessions _reads;
    private readonly PostgresStatement _highest;
    private readonly PostgresStatement _replay;

    public PostgresJournal(AkkaConfig journalConfig) : base(journalConfig, nameof(PostgresJournal), '@', "false")
    {
        // Plain connections from Npgsql's pool for this connection string, the one linq2db takes the plugin's from:
        // the node stays within one pool's Maximum Pool Size.
        var connectionString = Config.ConnectionString!;
        var lanes = journalConfig.GetInt("commit-lanes", 2);
        if (lanes < 1) throw new ConfigurationException($"{nameof(PostgresJournal)}'s commit-lanes must be at least 1, not {lanes}");
        _writer = new PostgresEventWriter(connectionString, Statements, Config.DaoConfig.BatchSize, Config.DaoConfig.BufferSize, lanes);
        _reads = new PostgresReadSessions(connectionString, ReadSessions(journalConfig, nameof(PostgresJournal)));
        _highest = new PostgresStatement(Statements.Highest, ("id", NpgsqlDbType.Text), ("from", NpgsqlDbType.Bigint));
        _replay = new PostgresStatement(
            Statements.Replay, ("id", NpgsqlDbType.Text), ("from", NpgsqlDbType.Bigint), ("to", NpgsqlDbType.Bigint), ("rows", NpgsqlDbType.Integer));
    }

    protected override Task WriteRowsAsync(JournalRow[] rows) => _writer.WriteAsync(rows);

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // The write in flight is read on the journal's actor, before the first await.
        await WriteInFlight(persistenceId).ConfigureAwait(false);
        return await _reads.ReadAsync(_highest, (persistenceId, fromSequenceNr), static async (command, read, token) =>
        {
            PostgresReadSessions.Set(command, 0, read.persistenceId);
            PostgresReadSessions.Set(command, 1, read.fromSequenceNr);
            return await command.ExecuteScalarAsync(token).ConfigureAwait(false) is long highest ? highest : 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    protected override Task<List<JournalRow>> ReadBatchAsync(ReplayBatch batch, CancellationToken cancellationToken) =>
        _reads.ReadAsync(_replay, batch, static async (command, batch, token) =>
        {
            PostgresReadSessions.Set(command, 0, batch.PersistenceId);
            PostgresReadSessions.Set(command, 1, batch.From);
            PostgresReadSessions.Set(command, 2, batch.To);
            PostgresReadSessions.Set(command, 3, batch.Rows);
            await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            var rows = new List<JournalRow>();
            while (await reader.ReadAsync(token).ConfigureAwait(false)) rows.Add(ReplayedRow(reader, batch.PersistenceId));
            return rows;
        }, cancellationToken);

    protected override void PostStop()
    {
        _writer.Stop();
        _reads.Dispose();
        base.PostStop();
    }

    /// <summary>A plugin's <c>read-sessions</c> (default 4): connections it keeps for its recovery reads.</summary>
    internal static int ReadSessions(AkkaConfig pluginConfig, string plugin)
    {
        var sessions = pluginConfig.GetInt("read-sessions", 4);
        return sessions >= 1 ? sessions : throw new ConfigurationException($"{plugin}'s read-sessions must be at least 1, not {sessions}");
    }
}
