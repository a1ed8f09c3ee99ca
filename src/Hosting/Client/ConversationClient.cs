using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Hosting.Client;

/// <summary>The conversation's journal cannot be read; the message says which conversation and why.</summary>
public sealed class ConversationUnavailableException(string message) : Exception(message);

/// <summary>Talks to conversations through the shard region from plain async code (the CLI, the HTTP API, the DI facade).</summary>
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
        var forwarder = system.ActorOf(UpdateForwarder.Props(conversationId, channel.Writer));
        try
        {
            await AskAsync<ConversationStatus>(new Subscribe(conversationId, forwarder), channel.Reader, cancellationToken).ConfigureAwait(false);
            var reply = await AskAsync<object>(new SendMessage(conversationId, text, clientMessageId), channel.Reader, cancellationToken).ConfigureAwait(false);
            var messageId = reply switch
            {
                MessageAccepted { Duplicate: true } => null,
                MessageAccepted accepted => accepted.MessageId,
                MessageRejected rejected => throw new MessageRejectedException(rejected.Code ?? MessageRejectionCodes.Empty, rejected.Reason),
                MessageIdReused reused => throw new MessageIdReusedException(conversationId, reused.MessageId),
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
            // The conversation watches its subscribers: the forwarder's end unsubscribes it, and an idle conversation
            // then passivates. An Unsubscribe sent as well would reach the shard while it passivates, and sharding
            // starts a passivating entity again to deliver what it buffered: a recovery for every finished turn.
            system.Stop(forwarder);
        }
    }

    /// <summary>Sends a user message without waiting for its turn; returns once it is persisted (or recognised as a repeat).</summary>
    public async Task<MessageAccepted> PostAsync(string conversationId, string text, string? clientMessageId = null, CancellationToken cancellationToken = default)
    {
        var reply = await AskWatchedAsync<object>(new SendMessage(conversationId, text, clientMessageId), cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            MessageAccepted accepted => accepted,
            MessageRejected rejected => throw new MessageRejectedException(rejected.Code ?? MessageRejectionCodes.Empty, rejected.Reason),
            MessageIdReused reused => throw new MessageIdReusedException(conversationId, reused.MessageId),
            _ => throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name} to a message."),
        };
    }

    public Task<ConversationStatus> GetStatusAsync(string conversationId, CancellationToken cancellationToken = default) =>
        AskWatchedAsync<ConversationStatus>(new GetConversationStatus(conversationId), cancellationToken);

    /// <summary>Creates the conversation with its own model and instructions (null: the node's defaults); an existing one is left as it is.</summary>
    public Task<ConversationCreated> CreateAsync(string conversationId, string? model = null, string? instructions = null, CancellationToken cancellationToken = default) =>
        CreateAsync(conversationId, model, instructions, tools: null, cancellationToken);

    /// <summary>
    /// Creates the conversation with its own model, instructions and <paramref name="tools"/> (client tools, hosted tools,
    /// tool choice); an existing one is left as it is.
    /// </summary>
    /// <exception cref="ConversationRejectedException">The node refuses <paramref name="tools"/>; the message says why.</exception>
    public Task<ConversationCreated> CreateAsync(string conversationId, string? model, string? instructions, ConversationToolSettings? tools, CancellationToken cancellationToken = default) =>
        CreateAsync(new CreateConversation(conversationId, model, instructions, tools), cancellationToken);

    /// <summary>
    /// Creates the conversation with every setting the command carries (tools, steering, prompt-cache options); an existing
    /// one is left as it is.
    /// </summary>
    /// <exception cref="ConversationRejectedException">The node refuses its tools; the message says why.</exception>
    public async Task<ConversationCreated> CreateAsync(CreateConversation create, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(create);
        var reply = await AskWatchedAsync<object>(create, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            ConversationCreated created => created,
            ConversationRejected rejected => throw new ConversationRejectedException(rejected.Reason),
            _ => throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name} to a create."),
        };
    }

    /// <summary>
    /// Records the result of a call the client runs (<see cref="ToolResultRequired"/>): <paramref name="output"/> for the
    /// model, or <paramref name="error"/>. A repeat of a recorded result is acknowledged with Duplicate set.
    /// </summary>
    /// <exception cref="ToolResultRejectedException">Unknown call, another result recorded already, a call the node runs.</exception>
    public async Task<ToolResultAccepted> SubmitToolResultAsync(string conversationId, string callId, string? output, string? error = null, CancellationToken cancellationToken = default)
    {
        var reply = await AskWatchedAsync<object>(new SubmitToolResult(conversationId, callId, output, error), cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            ToolResultAccepted accepted => accepted,
            ToolResultRejected rejected => throw new ToolResultRejectedException(rejected.CallId, rejected.Code, rejected.Reason),
            _ => throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name} to a tool result."),
        };
    }

    /// <summary>
    /// As above, with <paramref name="steering"/> over the node's <c>orchestrator.conversation.steering</c> (null follows it)
    /// and the <paramref name="promptCache"/> options sent with each of its requests.
    /// </summary>
    public Task<ConversationCreated> CreateAsync(string conversationId, string? model, string? instructions, bool? steering, PromptCacheOptions? promptCache = null, CancellationToken cancellationToken = default) =>
        CreateAsync(new CreateConversation(conversationId, model, instructions, Steering: steering, PromptCache: promptCache), cancellationToken);

    /// <summary>Settings, status and window; <see cref="ConversationTranscript.Exists"/> is false for an id that was never used.</summary>
    public Task<ConversationTranscript> GetTranscriptAsync(string conversationId, CancellationToken cancellationToken = default) =>
        AskWatchedAsync<ConversationTranscript>(new GetConversationTranscript(conversationId), cancellationToken);

    /// <summary>Ends the open turn as failed; true when a turn was open.</summary>
    public async Task<bool> CancelTurnAsync(string conversationId, CancellationToken cancellationToken = default) =>
        (await AskWatchedAsync<TurnCancelReply>(new CancelTurn(conversationId), cancellationToken).ConfigureAwait(false)).Cancelled;

    /// <summary>Deletes the conversation's journal; false when there was nothing to delete.</summary>
    public async Task<bool> DeleteAsync(string conversationId, CancellationToken cancellationToken = default) =>
        (await AskWatchedAsync<ConversationDeleted>(new DeleteConversation(conversationId), cancellationToken).ConfigureAwait(false)).Existed;

    /// <summary>An ask with a short-lived watcher for the conversation's "unavailable" report.</summary>
    private async Task<T> AskWatchedAsync<T>(IWithConversationId message, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ConversationUpdate>();
        var watcher = system.ActorOf(UpdateForwarder.Props(message.ConversationId, channel.Writer));
        try
        {
            return await AskAsync<T>(message, channel.Reader, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            system.Stop(watcher);
        }
    }

    /// <summary>An ask that fails at once, with the reason, when the conversation reports that it cannot start.</summary>
    private async Task<T> AskAsync<T>(IWithConversationId message, ChannelReader<ConversationUpdate> updates, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ask = region.Ask<T>(message, askTimeout, stop.Token);
        var unavailable = WaitForUnavailableAsync(updates, stop.Token);
        var first = await Task.WhenAny(ask, unavailable).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        if (first == unavailable && unavailable.Result is { } reason) throw new ConversationUnavailableException(reason);
        try
        {
            return await ask.ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new TimeoutException($"conversation {message.ConversationId} did not answer within {askTimeout.TotalSeconds:0} s");
        }
    }

    private static async Task<string?> WaitForUnavailableAsync(ChannelReader<ConversationUpdate> updates, CancellationToken cancellationToken)
    {
        try
        {
            // Peek, never consume: any other update belongs to the caller's stream.
            return await updates.WaitToReadAsync(cancellationToken).ConfigureAwait(false)
                   && updates.TryPeek(out var update) && update is ConversationUnavailable unavailable
                ? unavailable.Reason
                : null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
