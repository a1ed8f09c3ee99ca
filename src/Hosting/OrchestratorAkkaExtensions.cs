using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql;
using Akka.Remote.Hosting;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Tools;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Tools.Mcp;

namespace Orchestrator.Hosting;

/// <summary>The composition root of a node: configuration, journal, connection manager and the conversation shard region.</summary>
public static class OrchestratorAkkaExtensions
{
    /// <summary>
    /// Shards of the conversation region: about ten per node for clusters of a few nodes. Each shard is a
    /// persistent remembered-entities store, so fewer shards also means less recovery work at start.
    /// </summary>
    public const int MaxShards = 30;

    private static readonly Config NoSeedNodes = ConfigurationFactory.ParseString("akka.cluster.seed-nodes = []");

    private static readonly Config LocalProvider = ConfigurationFactory.ParseString("akka.actor.provider = local");

    /// <summary>One pooled HTTP client for compaction calls, shared by every node of the process.</summary>
    private static readonly HttpClient CompactionHttp = new() { Timeout = TimeSpan.FromMinutes(2) };

    public static AkkaConfigurationBuilder WithOrchestrator(
        this AkkaConfigurationBuilder builder,
        OrchestratorSettings settings,
        Config journal,
        Uri responsesUrl,
        ToolRegistry tools,
        RegionKind region = RegionKind.Sharded) =>
        builder.WithOrchestrator(settings, journal, () => responsesUrl, tools, region);

    /// <summary>
    /// As above, with the endpoint's URL asked for when the node's actors start rather than when it is configured: an
    /// embedded emulator (the CLI's) starts while the actor system does, and <paramref name="responsesUrl"/> waits for it.
    /// </summary>
    public static AkkaConfigurationBuilder WithOrchestrator(
        this AkkaConfigurationBuilder builder,
        OrchestratorSettings settings,
        Config journal,
        Func<Uri> responsesUrl,
        ToolRegistry tools,
        RegionKind region = RegionKind.Sharded)
    {
        if (settings.Journal == JournalKind.Sqlite)
            builder.AddSetup(SqliteConnectionInterceptor.Setup(SqliteConnectionInterceptor.DataOptions(journal.GetString("akka.persistence.journal.sql.connection-string"), settings.SqliteSynchronous)));
        var invoker = new ToolInvoker(tools, settings.Tools);
        var url = new Lazy<Uri>(responsesUrl);
        var compactor = new Lazy<HttpCompactor>(() => new HttpCompactor(CompactionHttp, url.Value, settings.ApiKey));

        builder
            .AddHocon(journal.WithFallback(settings.Hocon), HoconAddMode.Prepend)
            // The plugin's reference configuration is not loaded by itself.
            .AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
            .WithActors((system, registry) =>
            {
                var manager = system.ActorOf(ConnectionManager.Props(settings.EndpointFor(url.Value)), "connections");
                registry.Register<ConnectionManagerActor>(manager);
                // The first turn should see the tools of every MCP server that is up: the start waits for each server's
                // first attempt, which its connect-timeout bounds; a server that is down joins later, once connected.
                if (settings.Mcp.Servers.Count > 0)
                    McpToolSources.Start(system, tools, settings.Mcp.Servers, settings.Mcp).Wait(settings.Mcp.ConnectTimeout + TimeSpan.FromSeconds(5));
            });

        // Declared when the region starts, not before: tools registered through DI are added by an earlier starter. One
        // set of dependencies for every conversation of the node: what one incarnation learns (a model without
        // steering) holds for the next.
        Func<string, Props> EntityProps(IActorRegistry registry)
        {
            var dependencies = new ConversationDependencies(
                registry.Get<ConnectionManagerActor>(), invoker, ConversationDependencies.Declare(tools), settings.Conversation, compactor.Value);
            return conversationId => ConversationActor.Props(conversationId, dependencies);
        }

        if (region == RegionKind.Local)
        {
            return builder
                .AddHocon(LocalProvider, HoconAddMode.Prepend)
                .WithActors((system, registry) =>
                    registry.Register<ConversationRegion>(system.ActorOf(LocalConversationRegion.Props(EntityProps(registry)), "conversation")));
        }

        return builder
            .WithRemoting(settings.Cluster.ToRemoteOptions())
            .WithClustering(new ClusterOptions())
            // Seed nodes are joined explicitly at start-up (below: a node without seeds joins itself), so Akka's own
            // list stays empty whatever the configuration says.
            .AddHocon(NoSeedNodes, HoconAddMode.Prepend)
            .WithShardRegion<ConversationRegion>(
                "conversation",
                (_, registry, _) => EntityProps(registry),
                new ConversationMessageExtractor(MaxShards),
                // Every sharding setting (remembered entities, their store, the state store) is akka.cluster.sharding's
                // in hocon/cluster.conf, where each is explained.
                new ShardOptions())
            .AddStartup((system, _) =>
            {
                // Without seed nodes a single node joins itself: the same sharding path a multi-node cluster uses.
                var cluster = Cluster.Get(system);
                var seeds = settings.Cluster.SeedAddresses(system.Name);
                if (seeds.Count == 0) cluster.Join(cluster.SelfAddress);
                else cluster.JoinSeedNodes(seeds);
            });
    }
}
