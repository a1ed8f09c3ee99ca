using System.Net;
using Orchestrator.Actors.Conversation;
using Orchestrator.Hosting.Client;
using Orchestrator.Messages.Conversations;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>Messages that would wait past a conversation's queue bounds are refused with 429 (count) or 413 (bytes), naming the bound.</summary>
[Collection(ApiCollection.Name)]
public sealed class QueueBoundsSpec(ApiFixture api)
{
    [Fact]
    public async Task A_message_past_the_queued_message_count_is_refused_with_429()
    {
        var id = await api.CreateAsync();
        using (api.HoldTools())
        {
            using (var first = await api.PostMessageAsync(id, new { text = "hold tools:1" })) Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            var limit = new ConversationOptions { Defaults = new("m") }.MaxQueuedMessages;
            for (var i = 0; i < limit; i++)
            {
                using var queued = await api.PostMessageAsync(id, new { text = $"queued {i}" });
                Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            }

            using var refused = await api.PostMessageAsync(id, new { text = "one too many" });

            await ApiFixture.AssertProblemAsync(refused, 429, $"the limit is {limit} (orchestrator.conversation.max-queued-messages)");
            // The typed client, and so `run`, surfaces the same refusal as an error with its code.
            var error = await Assert.ThrowsAsync<MessageRejectedException>(() => api.Node.Client.PostAsync(id, "one too many"));
            Assert.Equal(MessageRejectionCodes.QueueFull, error.Code);
        }
    }

    [Fact]
    public async Task A_message_past_the_queued_bytes_is_refused_with_413()
    {
        var id = await api.CreateAsync();
        var text = new string('x', 50_000);
        using (api.HoldTools())
        {
            using (var first = await api.PostMessageAsync(id, new { text = "hold tools:1" })) Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            for (var i = 0; i < 2; i++)
            {
                using var queued = await api.PostMessageAsync(id, new { text });
                Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            }

            using var refused = await api.PostMessageAsync(id, new { text });

            await ApiFixture.AssertProblemAsync(refused, 413, $"the limit is {ApiFixture.QueuedBytesLimit} (orchestrator.conversation.max-queued-bytes)");
        }
    }
}
