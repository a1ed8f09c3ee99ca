using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Orchestrator.OperatorConsole;

/// <summary>The cluster as this node sees it: members and their state, and the conversation shards and entities per node.</summary>
public static class ClusterView
{
    public static async Task<ClusterStateView> ReadAsync(ActorSystem system, IActorRef region, CancellationToken cancellationToken)
    {
        if (!system.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal))
            return new ClusterStateView(system.Name, null, null, [], [], "this node runs without a cluster");
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members
            .Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), unreachable.Contains(m.Address), m.Roles.OrderBy(r => r, StringComparer.Ordinal).ToList(),
                m.Address == cluster.SelfAddress))
            .ToList();
        var shards = new List<RegionView>();
        string? problem = null;
        try
        {
            var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(5), cancellationToken);
            shards.AddRange(stats.Regions
                .Select(r => new RegionView(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum(), r.Value.Failed.Count))
                .OrderBy(r => r.Address, StringComparer.Ordinal));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            problem = "the shard regions did not answer within 5 s";
        }
        return new ClusterStateView(system.Name, cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, shards, problem);
    }
}

public sealed record ClusterStateView(string System, string? Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<RegionView> Regions, string? Problem);

public sealed record MemberView(string Address, string Status, bool Unreachable, IReadOnlyList<string> Roles, bool Self);

public sealed record RegionView(string Address, int Shards, int Conversations, int FailedShards);
