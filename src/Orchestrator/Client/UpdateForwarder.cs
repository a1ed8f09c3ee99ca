using System.Threading.Channels;
using Akka.Actor;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Host.Client;

/// <summary>A subscriber that hands a conversation's updates to non-actor code through a channel.</summary>
internal sealed class UpdateForwarder : ReceiveActor
{
    private readonly ChannelWriter<ConversationUpdate> _updates;

    public UpdateForwarder(ChannelWriter<ConversationUpdate> updates)
    {
        _updates = updates;
        Receive<ConversationUpdate>(update => _updates.TryWrite(update));
    }

    public static Props Props(ChannelWriter<ConversationUpdate> updates) => Akka.Actor.Props.Create(() => new UpdateForwarder(updates));

    protected override void PostStop() => _updates.TryComplete();
}
