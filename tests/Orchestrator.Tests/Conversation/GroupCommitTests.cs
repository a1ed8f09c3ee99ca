using Orchestrator.Actors.Conversation;
using Xunit;

namespace Orchestrator.Tests.Conversation;

public class GroupCommitTests
{
    [Fact]
    public void An_item_offered_with_no_write_in_flight_is_written_at_once_alone()
    {
        var commit = new GroupCommit<string>();

        Assert.Equal(["a"], commit.Offer("a"));
        Assert.True(commit.Writing);
    }

    [Fact]
    public void Items_offered_while_a_write_is_in_flight_wait_and_become_the_next_write_together()
    {
        var commit = new GroupCommit<string>();
        commit.Offer("a");

        Assert.Empty(commit.Offer("b"));
        Assert.Empty(commit.Offer("c"));
        Assert.Equal(["a", "b", "c"], commit.Pending);

        Assert.Equal(["b", "c"], commit.Written());
        Assert.True(commit.Writing);
        Assert.Equal(["b", "c"], commit.Pending);
    }

    [Fact]
    public void When_the_last_write_completes_with_nothing_waiting_the_next_item_is_written_at_once()
    {
        var commit = new GroupCommit<string>();
        commit.Offer("a");

        Assert.Empty(commit.Written());
        Assert.False(commit.Writing);
        Assert.Empty(commit.Pending);
        Assert.Equal(["d"], commit.Offer("d"));
    }
}
