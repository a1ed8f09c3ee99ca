using Orchestrator.Http;
using Xunit;

namespace Orchestrator.Tests.Api;

public sealed class EventReplayBufferTests
{
    [Fact]
    public void Since_an_id_returns_exactly_the_later_events()
    {
        var buffer = new EventReplayBuffer("c", 10, "ep");
        var events = Enumerable.Range(0, 5).Select(i => buffer.Append("text.delta", $"{{\"i\":{i}}}")).ToList();
        Assert.Equal(events.Skip(2), buffer.Since(events[1].Id));
        Assert.Empty(buffer.Since(events[^1].Id));
        Assert.Empty(buffer.Since(null));
        Assert.Equal(events, buffer.Since("ep-0"));
    }

    [Fact]
    public void A_client_further_behind_than_the_buffer_gets_a_reset_not_a_silent_gap()
    {
        var buffer = new EventReplayBuffer("c", 3, "ep");
        var events = Enumerable.Range(0, 6).Select(_ => buffer.Append("text.delta", "{}")).ToList();
        Assert.Equal(events.Skip(3), buffer.Since(events[2].Id));
        var reset = Assert.Single(buffer.Since(events[0].Id));
        Assert.Equal(EventReplayBuffer.ResetEvent, reset.Event);
        Assert.Contains("no longer buffered", reset.Data);
    }

    [Theory]
    [InlineData("other-3")]
    [InlineData("ep-99")]
    [InlineData("garbage")]
    [InlineData("ep-x")]
    public void An_id_not_from_this_buffer_gets_a_reset(string id)
    {
        var buffer = new EventReplayBuffer("c", 3, "ep");
        buffer.Append("text.delta", "{}");
        Assert.Equal(EventReplayBuffer.ResetEvent, Assert.Single(buffer.Since(id)).Event);
    }
}
