using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;

namespace Orchestrator.Tests.Persistence.Tck;

/// <summary>
/// What the TCK's <c>PluginSpec</c> gives each case: an actor system with the plugin under test as the default journal
/// and snapshot store, a persistence id and writer id of its own, and plugin commands published to the event stream.
/// Here the plugin is the node's own, on an empty journal of one kind (<see cref="TestJournal"/>), configured and set up
/// as a node configures it.
/// </summary>
public sealed class TckSystem : IAsyncDisposable
{
    private static int _pids;

    /// <summary>
    /// The TCK's additions to the plugin's configuration: the serializer of <see cref="TestPayload"/>, and plugin
    /// commands published so that a case can see them. Expectations wait as long as the other journal specs do: the
    /// test machine is shared.
    /// </summary>
    private static readonly Config TckConfig = ConfigurationFactory.ParseString($$"""
        akka.persistence.publish-plugin-commands = on
        akka.actor {
          serializers.persistence-tck-test = "{{typeof(TestSerializer).AssemblyQualifiedName}}"
          serialization-bindings { "{{typeof(TestPayload).FullName}}, {{typeof(TestPayload).Assembly.GetName().Name}}" = persistence-tck-test }
        }
        akka.test.single-expect-default = 20s
        """);

    private readonly TestJournal _journal;

    private TckSystem(TestJournal journal, TestKit kit)
    {
        _journal = journal;
        Kit = kit;
        Extension = Akka.Persistence.Persistence.Instance.Apply(kit.Sys);
    }

    public TestKit Kit { get; }

    public Akka.Persistence.PersistenceExtension Extension { get; }

    /// <summary>The persistence id of the case, "p-" and a counter as in the TCK.</summary>
    public string Pid { get; } = $"p-{Interlocked.Increment(ref _pids)}";

    public string WriterGuid { get; } = Guid.NewGuid().ToString();

    public int ActorInstanceId => 1;

    public static async Task<TckSystem> StartAsync(JournalKind kind, string name)
    {
        var journal = await TestJournal.CreateAsync(kind);
        try
        {
            var config = TckConfig.WithFallback(await journal.NodeConfigAsync());
            return new TckSystem(journal, new TestKit(journal.NodeSetup(config), name));
        }
        catch
        {
            await journal.DisposeAsync();
            throw;
        }
    }

    public void Subscribe(Type command, IActorRef subscriber) => Kit.Sys.EventStream.Subscribe(subscriber, command);

    public async ValueTask DisposeAsync()
    {
        Kit.Dispose();
        await _journal.DisposeAsync();
    }
}
