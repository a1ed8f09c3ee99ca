using System.Threading.Channels;
using Akka.Actor;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Hosting.Client;

/// <summary>A subscriber that hands a conversation's updates to non-actor code through a channel.</summary>
internal sealed class UpdateForwarder : ReceiveActor
{
    private readonly string _conversationId;
    private readonly ChannelWriter<ConversationUpdate> _updates;

    public UpdateForwarder(string conversationId, ChannelWriter<ConversationUpdate> updates)
    {
        _conversationId = conversationId;
        _updates = updates;
        Receive<ConversationUnavailable>(unavailable =>
        {
            if (unavailable.ConversationId == _conversationId) _updates.TryWrite(unavailable);
        });
        Receive<ConversationUpdate>(update => _updates.TryWrite(update));
    }

    public static Props Props(string conversationId, ChannelWriter<ConversationUpdate> updates) =>
        Akka.Actor.Props.Create(() => new UpdateForwarder(conversationId, updates));

    // A conversation that cannot recover says so on the event stream (it never gets to reply).
    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ConversationUnavailable));

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _updates.TryComplete();
    }
}
