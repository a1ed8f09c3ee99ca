using Akka.Configuration;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Settings;
using Orchestrator.Actors.Tools;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Http;
using Orchestrator.Messages.Events;
using Xunit;

namespace Orchestrator.Tests.Configuration;

/// <summary>
/// Every settings type written as HOCON binds back to itself (options → HOCON → options), and the reference bound and
/// written again has exactly the reference's keys (HOCON → options → HOCON): no setting lacks its key or its binding.
/// </summary>
public sealed class SettingsRoundTripTests
{
    private static readonly Config Reference =
        EngineReference.Config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf"))));

    /// <summary>Every property other than the reference's, so that one left out of the HOCON would show.</summary>
    private static readonly ConversationOptions ChangedConversation = new ConversationOptions() with
    {
        Defaults = new ConversationSettings("gpt-test/2", "Be brief: \"quoted\", {braced}, back\\slash\nnew line.", true),
        UseContinuation = false,
        MaxSendAttempts = 3,
        RetryMinBackoff = TimeSpan.FromMilliseconds(50),
        RetryMaxBackoff = TimeSpan.FromSeconds(2),
        IdleTimeout = TimeSpan.FromMinutes(7),
        LeaseTimeout = TimeSpan.FromSeconds(95),
        CompactionTimeout = TimeSpan.FromSeconds(40),
        CompactAtInputTokens = 0,
        ServerSideCompaction = true,
        InBandCompaction = true,
        WarmUp = true,
        Steering = true,
        SteeringSuccessorTimeout = TimeSpan.FromSeconds(17),
        SnapshotEvery = 9,
        MaxMessageChars = 1000,
        MaxQueuedMessages = 2,
        MaxQueuedBytes = 4096,
        MaxRoundsPerTurn = 5,
        MaxToolCallsPerTurn = 6,
        MaxCompactionsPerTurn = 0,
    };

    private static readonly ConnectionLimits ChangedConnections = new ConnectionLimits() with
    {
        MaxSockets = 2,
        MaxQueuedLeases = 3,
        ConnectTimeout = TimeSpan.FromSeconds(4),
        MinBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromSeconds(6),
        LanesPerConnection = 7,
        MaxInFlightPerConnection = 8,
        MaxAge = TimeSpan.FromMinutes(9),
        MaxAgeJitter = 0.25,
        MaxDrain = TimeSpan.FromMinutes(1),
        MaxConnecting = 11,
        IdleTimeout = TimeSpan.FromSeconds(12),
        LeaseWaitWarningInterval = TimeSpan.FromSeconds(13),
        ResponseIdleTimeout = null,
        ResponseTimeout = TimeSpan.FromMinutes(14),
        MaxFrameBytes = 1024,
        Transport = TransportMode.Http,
        FallbackAfterFailedConnects = 5,
        FallbackCoolDown = TimeSpan.FromSeconds(15),
        MaxHttpRequests = 16,
    };

    private static readonly ToolInvokerOptions ChangedTools = new ToolInvokerOptions() with { Timeout = TimeSpan.FromSeconds(3), MaxConcurrency = 4 };

    private static readonly ApiOptions ChangedApi = new ApiOptions() with
    {
        MaxRequestBytes = 1000,
        EventBufferSize = 10,
        EventBuffersMaxBytes = 2000,
        EventRetention = TimeSpan.FromSeconds(30),
        Heartbeat = TimeSpan.FromSeconds(3),
        MaxConnections = 4,
        MaxConnectionsPerClient = 2,
        MaxUpgradedConnections = 1,
        RequestHeadersTimeout = TimeSpan.FromSeconds(2),
        KeepAliveTimeout = TimeSpan.FromSeconds(3),
        MinRequestBodyBytesPerSecond = 12.5,
        MinRequestBodyGracePeriod = TimeSpan.FromSeconds(3),
        BodyReadTimeout = TimeSpan.FromSeconds(4),
        RequestsPerSecond = 0,
        RequestBurst = 5,
        MaxInstructionsBytes = 6,
    };

    [Fact]
    public void Options_written_as_hocon_bind_back_to_the_same_options()
    {
        foreach (var options in new[] { new ConversationOptions(), ChangedConversation })
            Assert.Equal(options, new ConversationOptions(options.ToHocon()));
        foreach (var limits in new[] { new ConnectionLimits(), ChangedConnections })
            Assert.Equal(limits, new ConnectionLimits(limits.ToHocon()));
        foreach (var tools in new[] { new ToolInvokerOptions(), ChangedTools })
            Assert.Equal(tools, new ToolInvokerOptions(tools.ToHocon()));
        foreach (var api in new[] { new ApiOptions(), ChangedApi })
            Assert.Equal(api, new ApiOptions(api.ToHocon()));
    }

    [Fact]
    public void Every_changed_property_is_a_change_the_round_trip_could_lose()
    {
        Assert.NotEqual(new ConversationOptions(), new ConversationOptions(ChangedConversation.ToHocon()));
        Assert.NotEqual(new ConnectionLimits(), new ConnectionLimits(ChangedConnections.ToHocon()));
        Assert.NotEqual(new ToolInvokerOptions(), new ToolInvokerOptions(ChangedTools.ToHocon()));
        Assert.NotEqual(new ApiOptions(), new ApiOptions(ChangedApi.ToHocon()));
    }

    [Fact]
    public void Cluster_settings_round_trip_through_their_akka_keys()
    {
        var cluster = new ClusterSettings("127.0.0.2", 4053, ["127.0.0.1:4053", "akka.tcp://orchestrator@127.0.0.1:4054"]);

        var back = ClusterSettings.FromConfig(cluster.ToHocon(), _ => null);

        Assert.Equal((cluster.Host, cluster.Port), (back.Host, back.Port));
        Assert.Equal(cluster.SeedNodes, back.SeedNodes);
    }

    [Fact]
    public void Node_settings_round_trip_through_hocon()
    {
        var settings = OrchestratorSettings.FromConfig(Reference, Postgres) with { Conversation = ChangedConversation, Connections = ChangedConnections, Tools = ChangedTools };

        var back = OrchestratorSettings.FromConfig(settings.ToHocon(), Postgres);

        Assert.Equal((settings.Conversation, settings.Connections, settings.Tools), (back.Conversation, back.Connections, back.Tools));
        Assert.Equal((settings.DataDirectory, settings.Journal, settings.SqliteSynchronous), (back.DataDirectory, back.Journal, back.SqliteSynchronous));
        Assert.Equal((settings.Postgres!.ConnectionString, settings.Postgres.StartupTimeout), (back.Postgres!.ConnectionString, back.Postgres.StartupTimeout));
    }

    [Fact]
    public void The_reference_bound_and_written_again_has_exactly_the_reference_keys_and_values()
    {
        var node = OrchestratorSettings.FromConfig(Reference, Postgres).ToHocon();
        var api = new ApiOptions(Reference).ToHocon();
        var written = node.WithFallback(api);

        Assert.Equal(KnownSettings.Keys.Order(), KnownSettings.LeavesOf(node).Concat(KnownSettings.LeavesOf(api)).Order());
        Assert.Equal(new ConversationOptions(Reference), new ConversationOptions(written));
        Assert.Equal(new ConnectionLimits(Reference), new ConnectionLimits(written));
        Assert.Equal(new ApiOptions(Reference), new ApiOptions(written));
    }

    /// <summary>The PostgreSQL journal, so that its keys are bound too (nothing connects here).</summary>
    private static string? Postgres(string name) => name switch
    {
        "ORCHESTRATOR_JOURNAL" => "postgres",
        "ORCHESTRATOR_POSTGRES" => "Host=127.0.0.1;Username=orchestrator;Password=secret;Database=orchestrator",
        _ => null,
    };
}
