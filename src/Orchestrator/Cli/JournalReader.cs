using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Orchestrator.Actors.Conversation;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Events;

namespace Orchestrator.Cli;

/// <summary>
/// Reads a conversation's journal without starting a node: a local actor system (no cluster, no remoting) with
/// only the journal's query side. Reading needs no exclusive access, so it works while a node runs on the same journal.
/// </summary>
public static class JournalReader
{
    public static async Task<IReadOnlyList<JournalEntry>> ReadAsync(OrchestratorSettings settings, string conversationId, CancellationToken cancellationToken)
    {
        var journal = await JournalStore.For(settings).PrepareAsync(cancellationToken);
        var merged = journal.WithFallback(settings.Hocon).WithFallback(SqlPersistence.DefaultConfiguration);
        // The query plugin has connection settings of its own: the journal's.
        var config = ConfigurationFactory.ParseString(
                "akka.actor.provider = local\nakka.loglevel = ERROR\nakka.stdout-loglevel = OFF\n" +
                $"akka.persistence.query.journal.sql.connection-string = {Quote(merged.GetString("akka.persistence.journal.sql.connection-string"))}\n" +
                $"akka.persistence.query.journal.sql.provider-name = {Quote(merged.GetString("akka.persistence.journal.sql.provider-name"))}")
            .WithFallback(merged);
        using var system = ActorSystem.Create("orchestrator-inspect", config);
        try
        {
            var query = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
            var envelopes = await query
                .CurrentEventsByPersistenceId(ConversationActor.PersistenceIdFor(conversationId), 0, long.MaxValue)
                .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer())
                .WaitAsync(cancellationToken);
            return envelopes
                .Where(e => e.Event is IPersistedEvent)
                .Select(e => new JournalEntry(e.SequenceNr, Written(e.Timestamp), (IPersistedEvent)e.Event))
                .ToList();
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    // The SQL journal writes DateTime ticks (UTC).
    private static DateTimeOffset Written(long timestamp) => new(timestamp, TimeSpan.Zero);
}
