using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Host.Client;

/// <summary>Talks to conversations through the shard region from plain async code (the CLI, tests, later the HTTP API).</summary>
public sealed class ConversationClient(ActorSystem system, IActorRef region, TimeSpan askTimeout)
{
    /// <summary>
    /// Sends a user message and streams the conversation's updates until the turn that answers it ends
    /// (<see cref="TurnCompleted"/> or <see cref="TurnFailed"/>, both yielded). Work left open from earlier
    /// turns is streamed too, as the conversation finishes it first. A message whose client id was already
    /// accepted yields nothing more.
    /// </summary>
    public async IAsyncEnumerable<ConversationUpdate> SendAsync(
        string conversationId,
        string text,
        string? clientMessageId = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ConversationUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var forwarder = system.ActorOf(UpdateForwarder.Props(channel.Writer));
        try
        {
            await region.Ask<ConversationStatus>(new Subscribe(conversationId, forwarder), askTimeout, cancellationToken).ConfigureAwait(false);
            var reply = await region.Ask<object>(new SendMessage(conversationId, text, clientMessageId), askTimeout, cancellationToken).ConfigureAwait(false);
            var messageId = reply switch
            {
                MessageAccepted { Duplicate: true } => null,
                MessageAccepted accepted => accepted.MessageId,
                MessageRejected rejected => throw new ArgumentException(rejected.Reason, nameof(text)),
                _ => throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name} to a message."),
            };
            if (messageId is null) yield break;

            await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return update;
                if (update is TurnCompleted completed && completed.MessageIds.Contains(messageId)
                    || update is TurnFailed failed && failed.MessageIds.Contains(messageId))
                    yield break;
            }
        }
        finally
        {
            region.Tell(new Unsubscribe(conversationId, forwarder));
            system.Stop(forwarder);
        }
    }

    public Task<ConversationStatus> GetStatusAsync(string conversationId, CancellationToken cancellationToken = default) =>
        region.Ask<ConversationStatus>(new GetConversationStatus(conversationId), askTimeout, cancellationToken);
}
