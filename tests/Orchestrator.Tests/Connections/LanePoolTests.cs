using Orchestrator.Actors.Connections;
using Xunit;

namespace Orchestrator.Tests.Connections;

public class LanePoolTests
{
    private static readonly TimeSpan T0 = TimeSpan.Zero;

    private static LanePool PoolWithSockets(int lanesPerSocket, int sockets, int maxSockets = 8)
    {
        var pool = new LanePool(lanesPerSocket, maxSockets, maxConnecting: 8);
        for (var id = 1; id <= sockets; id++)
        {
            pool.AddSocket(id, T0);
            pool.Connected(id);
        }
        return pool;
    }

    [Fact]
    public void Empty_pool_has_no_lane_to_lease()
    {
        Assert.Null(new LanePool(1, 1, 1).TryAcquire("a"));
    }

    [Fact]
    public void New_lane_has_no_cached_response()
    {
        var lease = PoolWithSockets(1, 1).TryAcquire("a");

        Assert.Equal(new LaneAssignment(1, 0, null), lease);
    }

    [Fact]
    public void Conversation_gets_back_the_lane_it_used_last_with_its_cached_response()
    {
        var pool = PoolWithSockets(2, 2);
        var first = pool.TryAcquire("a")!;
        var other = pool.TryAcquire("b")!;
        pool.Release(first.SocketId, first.Lane, "resp_a1", T0);
        pool.Release(other.SocketId, other.Lane, "resp_b1", T0);

        var again = pool.TryAcquire("a")!;

        Assert.Equal(new LaneAssignment(first.SocketId, first.Lane, "resp_a1"), again);
    }

    [Fact]
    public void Affinity_wins_over_a_less_recently_used_lane()
    {
        var pool = PoolWithSockets(1, 3);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1", T0);

        // Two untouched lanes are less recently used than a's lane, yet a goes back to its own.
        Assert.Equal(a.SocketId, pool.TryAcquire("a")!.SocketId);
    }

    [Fact]
    public void Without_affinity_the_least_recently_used_free_lane_is_leased()
    {
        var pool = PoolWithSockets(1, 3);
        var x = pool.TryAcquire("x")!;
        var y = pool.TryAcquire("y")!;
        var z = pool.TryAcquire("z")!;
        pool.Release(y.SocketId, y.Lane, "resp_y", T0);
        pool.Release(x.SocketId, x.Lane, "resp_x", T0);
        pool.Release(z.SocketId, z.Lane, "resp_z", T0);

        var lease = pool.TryAcquire("newcomer")!;

        Assert.Equal(y.SocketId, lease.SocketId);
        Assert.Equal("resp_y", lease.CachedResponseId);
    }

    [Fact]
    public void Newcomer_prefers_an_untouched_lane_over_one_another_conversation_is_warm_on()
    {
        var pool = PoolWithSockets(1, 2);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a", T0);

        var b = pool.TryAcquire("b")!;

        Assert.NotEqual(a.SocketId, b.SocketId);
    }

    [Fact]
    public void No_lane_when_all_are_held()
    {
        var pool = PoolWithSockets(2, 1);
        Assert.NotNull(pool.TryAcquire("a"));
        Assert.NotNull(pool.TryAcquire("b"));

        Assert.Null(pool.TryAcquire("c"));
        Assert.Null(pool.TryAcquire("a"));
    }

    [Fact]
    public void Held_lane_is_never_leased_twice()
    {
        var pool = PoolWithSockets(3, 2);

        var leases = Enumerable.Range(0, 6).Select(i => pool.TryAcquire($"c{i}")!).ToList();

        Assert.Equal(6, leases.Select(l => (l.SocketId, l.Lane)).Distinct().Count());
    }

    [Fact]
    public void Released_lane_can_be_leased_again()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, null, T0);

        Assert.NotNull(pool.TryAcquire("b"));
    }

    [Fact]
    public void Socket_limit_is_enforced()
    {
        var pool = new LanePool(1, maxSockets: 2, maxConnecting: 2);
        pool.AddSocket(1, T0);
        Assert.True(pool.CanAddSocket);
        pool.AddSocket(2, T0);

        Assert.False(pool.CanAddSocket);
        Assert.Equal(2, pool.SocketCount);
        var e = Assert.Throws<InvalidOperationException>(() => pool.AddSocket(3, T0));
        Assert.Contains("2", e.Message);
        Assert.Equal(2, pool.SocketCount);
    }

    [Fact]
    public void Removing_a_socket_frees_room_under_the_limit()
    {
        var pool = PoolWithSockets(1, 2, maxSockets: 2);

        pool.RemoveSocket(1);

        Assert.True(pool.CanAddSocket);
        Assert.Equal(1, pool.SocketCount);
    }

    [Fact]
    public void Remove_socket_returns_the_holders_that_lost_their_lane()
    {
        var pool = PoolWithSockets(3, 1);
        pool.TryAcquire("a");
        var b = pool.TryAcquire("b")!;
        pool.TryAcquire("c");
        pool.Release(b.SocketId, b.Lane, "resp_b", T0);

        var lost = pool.RemoveSocket(1);

        Assert.Equal(["a", "c"], lost.Order());
        Assert.Null(pool.TryAcquire("a"));
    }

    [Fact]
    public void Removing_an_unknown_socket_returns_nobody()
    {
        Assert.Empty(PoolWithSockets(1, 1).RemoveSocket(99));
    }

    [Fact]
    public void Release_after_the_socket_is_gone_is_ignored()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.RemoveSocket(a.SocketId);

        pool.Release(a.SocketId, a.Lane, "resp_a", T0);
        pool.Abandon(a.SocketId, a.Lane, T0);

        Assert.Equal(0, pool.SocketCount);
    }

    [Fact]
    public void Release_without_a_response_keeps_the_previous_cached_id()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1", T0);
        var again = pool.TryAcquire("a")!;
        pool.Release(again.SocketId, again.Lane, null, T0);

        Assert.Equal("resp_a1", pool.TryAcquire("a")!.CachedResponseId);
    }

    [Fact]
    public void Release_with_a_response_replaces_the_cached_id()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1", T0);
        var b = pool.TryAcquire("b")!;
        pool.Release(b.SocketId, b.Lane, "resp_b1", T0);

        Assert.Equal("resp_b1", pool.TryAcquire("a")!.CachedResponseId);
    }

    [Fact]
    public void Abandon_clears_the_cached_id()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1", T0);
        var again = pool.TryAcquire("a")!;

        pool.Abandon(again.SocketId, again.Lane, T0);

        Assert.Null(pool.TryAcquire("a")!.CachedResponseId);
    }

    [Fact]
    public void A_retired_socket_gives_no_new_lease_but_its_holders_keep_their_lanes()
    {
        var pool = PoolWithSockets(2, 2);
        var held = pool.TryAcquire("a")!;
        pool.Retire(held.SocketId);

        var others = new[] { pool.TryAcquire("b"), pool.TryAcquire("c") };
        Assert.All(others, o => Assert.NotEqual(held.SocketId, o!.SocketId));
        Assert.Null(pool.TryAcquire("d"));
        Assert.Equal(3, pool.LanesInUse);

        // Even its former holder does not get it back: its cache is about to go.
        pool.Release(held.SocketId, held.Lane, "resp_a1", T0);
        Assert.Null(pool.TryAcquire("a"));
    }

    [Fact]
    public void A_retiring_socket_still_counts_toward_the_socket_limit_until_it_is_removed()
    {
        var pool = PoolWithSockets(1, 2, maxSockets: 2);
        pool.Retire(1);
        Assert.False(pool.CanAddSocket);

        pool.RemoveSocket(1);
        Assert.True(pool.CanAddSocket);
    }

    [Fact]
    public void A_retired_socket_is_drained_once_its_last_holder_releases_its_lane()
    {
        var pool = PoolWithSockets(2, 1);
        var a = pool.TryAcquire("a")!;
        var b = pool.TryAcquire("b")!;
        Assert.False(pool.IsDrained(a.SocketId));

        pool.Retire(a.SocketId);
        pool.Release(a.SocketId, a.Lane, "resp_a1", T0);
        Assert.False(pool.IsDrained(a.SocketId));

        pool.Abandon(b.SocketId, b.Lane, T0);
        Assert.True(pool.IsDrained(a.SocketId));
    }

    [Fact]
    public void An_open_socket_with_no_holder_is_not_drained()
    {
        var pool = PoolWithSockets(1, 2);

        Assert.False(pool.IsDrained(1));
        Assert.False(pool.IsDrained(99));
    }

    [Fact]
    public void Sockets_connecting_at_once_are_bounded_and_each_connection_makes_room_for_another()
    {
        var pool = new LanePool(1, maxSockets: 8, maxConnecting: 2);
        pool.AddSocket(1, T0);
        pool.AddSocket(2, T0);

        Assert.False(pool.CanAddSocket);
        Assert.False(pool.AtSocketLimit);
        Assert.Throws<InvalidOperationException>(() => pool.AddSocket(3, T0));

        pool.Connected(1);
        Assert.True(pool.CanAddSocket);
        pool.AddSocket(3, T0);
        Assert.False(pool.CanAddSocket);

        // A socket that never connected makes room too.
        pool.RemoveSocket(2);
        Assert.True(pool.CanAddSocket);
    }

    [Fact]
    public void Lanes_of_a_socket_still_connecting_are_leased_at_once()
    {
        var pool = new LanePool(2, maxSockets: 1, maxConnecting: 1);
        pool.AddSocket(1, T0);

        Assert.Equal(new LaneAssignment(1, 0, null), pool.TryAcquire("a"));
        Assert.Equal(new LaneAssignment(1, 1, null), pool.TryAcquire("b"));
    }

    [Fact]
    public void A_socket_none_of_whose_lanes_is_held_for_the_idle_timeout_is_retired_and_drained()
    {
        var idle = TimeSpan.FromMinutes(5);
        var pool = PoolWithSockets(2, 2);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1", TimeSpan.FromMinutes(1));

        Assert.Empty(pool.RetireIdle(TimeSpan.FromMinutes(4), idle));
        // Socket 2 has been idle since it opened; socket 1 since a released its lane.
        Assert.Equal([2L], pool.RetireIdle(TimeSpan.FromMinutes(5), idle));
        Assert.True(pool.IsDrained(2));
        Assert.Empty(pool.RetireIdle(TimeSpan.FromMinutes(5.5), idle));
        Assert.Equal([1L], pool.RetireIdle(TimeSpan.FromMinutes(6), idle));
        Assert.True(pool.IsDrained(1));
    }

    [Fact]
    public void A_socket_with_a_held_lane_or_still_connecting_is_never_idle()
    {
        var pool = new LanePool(2, maxSockets: 8, maxConnecting: 8);
        pool.AddSocket(1, T0);
        pool.Connected(1);
        pool.AddSocket(2, T0);
        pool.TryAcquire("a");

        Assert.Empty(pool.RetireIdle(TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void After_its_idle_socket_is_retired_a_conversation_gets_a_lane_whose_cache_does_not_hold_its_response()
    {
        var pool = PoolWithSockets(1, 2);
        var a = pool.TryAcquire("a")!;
        var b = pool.TryAcquire("b")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1", T0);
        pool.Release(b.SocketId, b.Lane, "resp_b1", TimeSpan.FromMinutes(3));

        Assert.Equal([a.SocketId], pool.RetireIdle(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)));
        pool.RemoveSocket(a.SocketId);

        var again = pool.TryAcquire("a")!;
        Assert.Equal(b.SocketId, again.SocketId);
        Assert.Equal("resp_b1", again.CachedResponseId);
    }

    [Fact]
    public void Thousands_of_conversations_each_get_their_own_lane_back_warm()
    {
        var pool = PoolWithSockets(16, 128, maxSockets: 128);
        var ids = Enumerable.Range(0, 2048).Select(i => $"c{i}").ToList();
        var first = ids.ToDictionary(id => id, id => pool.TryAcquire(id)!);
        Assert.Equal(2048, pool.LanesInUse);
        Assert.Null(pool.TryAcquire("one-too-many"));
        foreach (var id in ids) pool.Release(first[id].SocketId, first[id].Lane, $"resp_{id}", T0);

        // Back in another order: each finds its lane free, with its own response cached there.
        foreach (var id in Enumerable.Reverse(ids))
            Assert.Equal(first[id] with { CachedResponseId = $"resp_{id}" }, pool.TryAcquire(id));
    }

    [Fact]
    public void Remembered_last_lanes_stay_bounded_by_the_number_of_lanes()
    {
        var pool = PoolWithSockets(2, 2);

        for (var i = 0; i < 1000; i++)
        {
            var lease = pool.TryAcquire($"c{i}")!;
            pool.Release(lease.SocketId, lease.Lane, $"resp_{i}", T0);
        }

        Assert.Equal(4, pool.RememberedConversations);
        // The oldest conversations' lanes were taken over: their chains are cold wherever they land.
        Assert.NotEqual("resp_0", pool.TryAcquire("c0")!.CachedResponseId);
        pool.RemoveSocket(1);
        pool.RemoveSocket(2);
        Assert.Equal(0, pool.RememberedConversations);
    }

    [Fact]
    public void Freed_lanes_are_leased_least_recently_freed_first_after_the_untouched_ones()
    {
        var pool = PoolWithSockets(2, 2);
        var leases = Enumerable.Range(0, 3).Select(i => pool.TryAcquire($"c{i}")!).ToList();
        pool.Release(leases[2].SocketId, leases[2].Lane, "resp_2", T0);
        pool.Release(leases[0].SocketId, leases[0].Lane, "resp_0", T0);

        Assert.Equal(new LaneAssignment(2, 1, null), pool.TryAcquire("n1"));
        Assert.Equal(leases[2] with { CachedResponseId = "resp_2" }, pool.TryAcquire("n2"));
        Assert.Equal(leases[0] with { CachedResponseId = "resp_0" }, pool.TryAcquire("n3"));
        Assert.Null(pool.TryAcquire("n4"));
    }
}
