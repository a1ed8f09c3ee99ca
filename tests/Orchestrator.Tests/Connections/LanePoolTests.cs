using Orchestrator.Actors.Connections;
using Xunit;

namespace Orchestrator.Tests.Connections;

public class LanePoolTests
{
    private static LanePool PoolWithSockets(int lanesPerSocket, int sockets, int maxSockets = 8)
    {
        var pool = new LanePool(lanesPerSocket, maxSockets);
        for (var id = 1; id <= sockets; id++) pool.AddSocket(id);
        return pool;
    }

    [Fact]
    public void Empty_pool_has_no_lane_to_lease()
    {
        Assert.Null(new LanePool(1, 1).TryAcquire("a"));
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
        pool.Release(first.SocketId, first.Lane, "resp_a1");
        pool.Release(other.SocketId, other.Lane, "resp_b1");

        var again = pool.TryAcquire("a")!;

        Assert.Equal(new LaneAssignment(first.SocketId, first.Lane, "resp_a1"), again);
    }

    [Fact]
    public void Affinity_wins_over_a_less_recently_used_lane()
    {
        var pool = PoolWithSockets(1, 3);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1");

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
        pool.Release(y.SocketId, y.Lane, "resp_y");
        pool.Release(x.SocketId, x.Lane, "resp_x");
        pool.Release(z.SocketId, z.Lane, "resp_z");

        var lease = pool.TryAcquire("newcomer")!;

        Assert.Equal(y.SocketId, lease.SocketId);
        Assert.Equal("resp_y", lease.CachedResponseId);
    }

    [Fact]
    public void Newcomer_prefers_an_untouched_lane_over_one_another_conversation_is_warm_on()
    {
        var pool = PoolWithSockets(1, 2);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a");

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
        pool.Release(a.SocketId, a.Lane, null);

        Assert.NotNull(pool.TryAcquire("b"));
    }

    [Fact]
    public void Socket_limit_is_enforced()
    {
        var pool = new LanePool(1, maxSockets: 2);
        pool.AddSocket(1);
        Assert.True(pool.CanAddSocket);
        pool.AddSocket(2);

        Assert.False(pool.CanAddSocket);
        Assert.Equal(2, pool.SocketCount);
        var e = Assert.Throws<InvalidOperationException>(() => pool.AddSocket(3));
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
        pool.Release(b.SocketId, b.Lane, "resp_b");

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

        pool.Release(a.SocketId, a.Lane, "resp_a");
        pool.Abandon(a.SocketId, a.Lane);

        Assert.Equal(0, pool.SocketCount);
    }

    [Fact]
    public void Release_without_a_response_keeps_the_previous_cached_id()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1");
        var again = pool.TryAcquire("a")!;
        pool.Release(again.SocketId, again.Lane, null);

        Assert.Equal("resp_a1", pool.TryAcquire("a")!.CachedResponseId);
    }

    [Fact]
    public void Release_with_a_response_replaces_the_cached_id()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1");
        var b = pool.TryAcquire("b")!;
        pool.Release(b.SocketId, b.Lane, "resp_b1");

        Assert.Equal("resp_b1", pool.TryAcquire("a")!.CachedResponseId);
    }

    [Fact]
    public void Abandon_clears_the_cached_id()
    {
        var pool = PoolWithSockets(1, 1);
        var a = pool.TryAcquire("a")!;
        pool.Release(a.SocketId, a.Lane, "resp_a1");
        var again = pool.TryAcquire("a")!;

        pool.Abandon(again.SocketId, again.Lane);

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
        pool.Release(held.SocketId, held.Lane, "resp_a1");
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
        pool.Release(a.SocketId, a.Lane, "resp_a1");
        Assert.False(pool.IsDrained(a.SocketId));

        pool.Abandon(b.SocketId, b.Lane);
        Assert.True(pool.IsDrained(a.SocketId));
    }

    [Fact]
    public void An_open_socket_with_no_holder_is_not_drained()
    {
        var pool = PoolWithSockets(1, 2);

        Assert.False(pool.IsDrained(1));
        Assert.False(pool.IsDrained(99));
    }
}
