using Akka.Persistence.Sql.Journal.Types;
using Npgsql;
using NpgsqlTypes;
using AkkaConfig = Akka.Configuration.Config;
using ConfigurationException = Akka.Configuration.ConfigurationException;

namespace Orchestrator.Persistence.Sql;

/// <summary>
/// The PostgreSQL journal: Akka.Persistence.Sql's journal writing the plugin's tables with a writer of its own
/// (<see cref="PostgresEventWriter"/>: every conversation's writes in one queue, committed together) and reading them
/// for recoveries with plain Npgsql statements: the highest sequence number and the replay. Events are serialised by
/// the plugin's own serializer, so the rows are the plugin's; partial deletes and the purge stay
/// <see cref="DirectReplaySqlJournal"/>'s. The plugin creates the tables (<c>auto-initialize</c>).
/// </summary>
public sealed class PostgresJournal : BatchWritingSqlJournal
{
    private readonly string _connectionString;
    private readonly PostgresEventWriter _writer;
    private readonly string _highest;
    private readonly string _replay;

    public PostgresJournal(AkkaConfig journalConfig) : base(journalConfig, nameof(PostgresJournal), '@', "false")
    {
        // Plain connections from Npgsql's pool for this connection string, the one linq2db takes the plugin's from:
        // the node stays within one pool's Maximum Pool Size.
        _connectionString = Config.ConnectionString!;
        var lanes = journalConfig.GetInt("commit-lanes", 2);
        if (lanes < 1) throw new ConfigurationException($"{nameof(PostgresJournal)}'s commit-lanes must be at least 1, not {lanes}");
        _writer = new PostgresEventWriter(_connectionString, Statements, Config.DaoConfig.BatchSize, Config.DaoConfig.BufferSize, lanes);
        _highest = Statements.Highest;
        _replay = Statements.Replay;
    }

    protected override Task WriteRowsAsync(JournalRow[] rows) => _writer.WriteAsync(rows);

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // The write in flight is read on the journal's actor, before the first await.
        await WriteInFlight(persistenceId).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_highest, connection);
        command.Parameters.Add(new NpgsqlParameter<string>("id", NpgsqlDbType.Text) { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long>("from", NpgsqlDbType.Bigint) { TypedValue = fromSequenceNr });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long highest ? highest : 0;
    }

    protected override async Task<List<JournalRow>> ReadBatchAsync(ReplayBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_replay, connection);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string>("id", NpgsqlDbType.Text) { TypedValue = batch.PersistenceId });
        p.Add(new NpgsqlParameter<long>("from", NpgsqlDbType.Bigint) { TypedValue = batch.From });
        p.Add(new NpgsqlParameter<long>("to", NpgsqlDbType.Bigint) { TypedValue = batch.To });
        p.Add(new NpgsqlParameter<int>("rows", NpgsqlDbType.Integer) { TypedValue = batch.Rows });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<JournalRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReplayedRow(reader, batch.PersistenceId));
        }
        return rows;
    }

    protected override void PostStop()
    {
        _writer.Stop();
        base.PostStop();
    }

    private Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => PostgresEventWriter.OpenAsync(_connectionString, cancellationToken);
}
