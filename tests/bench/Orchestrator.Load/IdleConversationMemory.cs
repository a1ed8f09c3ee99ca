using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Cli;
using Orchestrator.Hosting;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Load;

/// <summary>
/// What idle conversations hold in memory, apart from everything else a run leaves behind (sockets, journal caches,
/// code): once every conversation of the run has passivated, the heap is settled; then every conversation is woken
/// (recovered from the journal, held awake by one subscriber) and the heap is settled again. The difference, per
/// conversation, is an idle conversation's managed cost; the live count before waking shows that a passivated one
/// keeps no actor. Resident memory cannot be split that way (the runtime returns freed heap to the OS lazily, so two
/// settled readings minutes apart differ by more than the conversations), so it is given as an upper bound: growth
/// since before the run, sockets and everything else included.
/// </summary>
public static class IdleConversationMemory
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>For passivating and then waking every conversation: seconds at C=10,000.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <returns>Null when the conversations did not all passivate, or did not all wake, in time.</returns>
    /// <param name="beforeRun">The process settled before the run (<see cref="ProcessMeter.Settled"/>).</param>
    public static async Task<IdleMemory?> MeasureAsync(
        OrchestratorNode node, IReadOnlyList<string> conversationIds, (long Resident, long Managed) beforeRun, CancellationToken cancellationToken)
    {
        var region = node.Services.GetRequiredService<ActorRegistry>().Get<ConversationRegion>();
        var system = node.Services.GetRequiredService<ActorSystem>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);

        // A conversation passivates as soon as its turn ends and its last subscriber leaves; the stops are in flight.
        int live;
        while ((live = await LiveConversationsAsync(region)) > 0 && !deadline.IsCancellationRequested)
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        if (live > 0) return null;
        var passivated = ProcessMeter.Settled();

        var awake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = system.ActorOf(Props.Create(() => new Holder(conversationIds.Count, awake)));
        try
        {
            foreach (var id in conversationIds) region.Tell(new Subscribe(id, holder), holder);
            try
            {
                await awake.Task.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            var idle = ProcessMeter.Settled();
            return new IdleMemory(
                conversationIds.Count,
                LiveAfterPassivation: live,
                ResidentKbPerConversationAtMost: (idle.Resident - beforeRun.Resident) / 1024.0 / conversationIds.Count,
                ManagedKbPerIdleConversation: (idle.Managed - passivated.Managed) / 1024.0 / conversationIds.Count);
        }
        finally
        {
            foreach (var id in conversationIds) region.Tell(new Unsubscribe(id, holder));
            system.Stop(holder);
        }
    }

    private static async Task<int> LiveConversationsAsync(IActorRef region)
    {
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout);
        return state.Shards.Sum(shard => shard.EntityIds.Count);
    }

    /// <summary>Subscribed to every conversation; each answers a subscription with its status once recovered.</summary>
    private sealed class Holder : ReceiveActor
    {
        public Holder(int expected, TaskCompletionSource awake)
        {
            var answered = new HashSet<string>();
            Receive<ConversationStatus>(status =>
            {
                if (answered.Add(status.ConversationId) && answered.Count == expected) awake.TrySetResult();
            });
            ReceiveAny(_ => { });
        }
    }
}

/// <param name="LiveAfterPassivation">Conversation actors alive once the run's conversations had passivated: 0 expected.</param>
/// <param name="ResidentKbPerConversationAtMost">Resident growth from before the run to all conversations idle, per conversation.</param>
public sealed record IdleMemory(int Conversations, int LiveAfterPassivation, double ResidentKbPerConversationAtMost, double ManagedKbPerIdleConversation);
