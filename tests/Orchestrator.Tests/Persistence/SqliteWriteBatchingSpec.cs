using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;
using Orchestrator.Host.Configuration;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The SQLite journal commits the writes that arrive during a commit together, in the next one, as the plugin's
/// writer is meant to: with the node's linq2db options (<see cref="SqliteConnectionInterceptor"/>), through the real
/// plugin, against the real database.
/// </summary>
public sealed class SqliteWriteBatchingSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Writes_that_arrive_while_a_commit_waits_share_the_next_commit()
    {
        var transactions = new TransactionCounter();

        await WriteBehindAHeldLockAsync(conversations: 20, transactions, transactions.Reset);

        // The first write's transaction, the read's, and one for the 19 that queued behind the first: not one each.
        Assert.InRange(transactions.Count, 2, 3);
    }

    /// <summary>
    /// SQLite finds a named parameter by walking the statement's list of names, once when it parses the statement and
    /// once per bind: a statement of n parameters costs n² name comparisons. At linq2db's ~110 rows per statement that
    /// was ~9 % of a warm node's CPU (BENCHMARKS.md); the plugin's round trips now carry 16 rows each.
    /// </summary>
    [Fact]
    public async Task A_commit_of_many_events_binds_them_in_statements_of_at_most_sixteen_rows()
    {
        const int conversations = 40;
        var inserts = new JournalInsertRecorder();

        await WriteBehindAHeldLockAsync(conversations, inserts, inserts.Clear);

        var parameterCounts = inserts.ParameterCounts;
        var perRow = parameterCounts.Sum() / conversations;
        Assert.True(perRow > 0 && parameterCounts.Sum() == perRow * conversations, $"{parameterCounts.Sum()} parameters for {conversations} rows");
        Assert.All(parameterCounts, count => Assert.InRange(count, perRow, 16 * perRow));
        Assert.True(parameterCounts.Count >= 3, $"{conversations} rows in {parameterCounts.Count} statements");
    }

    /// <summary>
    /// Every conversation writes one event while another connection holds the database's write lock, so that the first
    /// write waits inside its commit and the others queue behind it; returns once every write has succeeded.
    /// </summary>
    /// <param name="warmedUp">Called once the plugin has made its tables and written once, before the writes measured.</param>
    private static async Task WriteBehindAHeldLockAsync(int conversations, IInterceptor interceptor, Action warmedUp)
    {
        await using var journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        // The first write waits on the lock for as long as the test holds it: the journal's breaker must not time it out.
        var config = ConfigurationFactory.ParseString("akka.persistence.journal.sql.circuit-breaker.call-timeout = 60s")
            .WithFallback(await journal.NodeConfigAsync());
        var options = SqliteConnectionInterceptor
            .DataOptions(config.GetString("akka.persistence.journal.sql.connection-string"), SqliteSynchronous.Full)
            .UseInterceptor(interceptor);
        var system = ActorSystem.Create("batching", ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), SqliteConnectionInterceptor.Setup(options)));
        using var kit = new TestKit(system);
        var probe = kit.CreateTestProbe();
        var plugin = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);

        // The plugin creates its tables and compiles its statements on first use.
        plugin.Tell(Write("conversation-warm", probe), probe);
        probe.ExpectMsg<WriteMessagesSuccessful>(Wait);
        probe.ExpectMsg<WriteMessageSuccess>(Wait);
        warmedUp();

        // Another connection holds the write lock: the first write waits for it inside its commit.
        await using var holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(journal.DataDirectory!, SqliteJournalStore.FileName) }.ToString());
        await holder.OpenAsync();
        await using var lockHeld = holder.BeginTransaction(deferred: false);

        for (var i = 0; i < conversations; i++) plugin.Tell(Write($"conversation-{i}", probe), probe);
        // The plugin takes messages in order: once it answers a later read, it has queued every write above.
        plugin.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "conversation-none", probe), probe);
        probe.ExpectMsg<RecoverySuccess>(Wait);

        await lockHeld.RollbackAsync();
        var replies = probe.ReceiveN(2 * conversations, Wait);
        Assert.Equal(conversations, replies.OfType<WriteMessageSuccess>().Count());
    }

    /// <summary>One event of one conversation, as its actor writes it; the plugin answers <paramref name="writer"/>.</summary>
    private static WriteMessages Write(string persistenceId, IActorRef writer) =>
        new(
            [new AtomicWrite(new Persistent(new ToolResultRecorded("call_1", Item.FunctionCallOutput("call_1", "ok"), IsError: false), 1, persistenceId, writerGuid: "batching-spec"))],
            writer,
            1);

    /// <summary>Counts the connections the plugins open: each carries one transaction.</summary>
    private sealed class TransactionCounter : IConnectionInterceptor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public void ConnectionOpening(ConnectionEventData eventData, DbConnection connection)
        {
        }

        public Task ConnectionOpeningAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

        public void ConnectionOpened(ConnectionEventData eventData, DbConnection connection) => Interlocked.Increment(ref _count);

        public Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }
    }

    /// <summary>The parameter count of each statement that inserts into the journal table.</summary>
    private sealed class JournalInsertRecorder : CommandInterceptor
    {
        private readonly List<int> _counts = [];

        public IReadOnlyList<int> ParameterCounts
        {
            get
            {
                lock (_counts) return _counts.ToList();
            }
        }

        public void Clear()
        {
            lock (_counts) _counts.Clear();
        }

        public override DbCommand CommandInitialized(CommandEventData eventData, DbCommand command)
        {
            if (command.CommandText.Contains("INSERT INTO [journal]", StringComparison.OrdinalIgnoreCase))
            {
                lock (_counts) _counts.Add(command.Parameters.Count);
            }
            return command;
        }
    }
}
