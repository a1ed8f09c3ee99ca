using Akka.Actor;

namespace Orchestrator.Messages.Conversations;

/// <summary>
/// A user message for a conversation. Persisted before it is acknowledged with <see cref="MessageAccepted"/>;
/// a repeat with the same <see cref="ClientMessageId"/> is acknowledged again and otherwise ignored.
/// </summary>
public sealed record SendMessage(string ConversationId, string Text, string? ClientMessageId = null) : IWithConversationId;

/// <summary><see cref="Delivery"/> (one of <see cref="MessageDeliveries"/>) says how the message reaches the model; null on a duplicate.</summary>
public sealed record MessageAccepted(string ConversationId, string MessageId, bool Duplicate, string? Delivery = null) : IWithConversationId;

public static class MessageDeliveries
{
    /// <summary>The message opens a turn of its own.</summary>
    public const string Turn = "turn";

    /// <summary>The message waits for the open turn to end and runs in the next one.</summary>
    public const string Queued = "queued";

    /// <summary>
    /// The message is sent into the response streaming now (<c>response.steer</c>); should the server not take it, it
    /// runs in the next turn instead, as a queued one. Either way it reaches the model once.
    /// </summary>
    public const string Steering = "steering";
}

/// <summary>A message refused before it was persisted: <see cref="Reason"/> names the bound, <see cref="Code"/> (one of <see cref="MessageRejectionCodes"/>) which one.</summary>
public sealed record MessageRejected(string ConversationId, string Reason, string? Code = null) : IWithConversationId;

public static class MessageRejectionCodes
{
    public const string Empty = "empty";

    /// <summary>The message alone is over the conversation's message size limit.</summary>
    public const string MessageTooLarge = "message_too_large";

    /// <summary>As many messages as allowed wait for the open turn already; retry when it ends.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>The messages waiting for the open turn would pass their byte limit with this one.</summary>
    public const string QueueTooLarge = "queue_too_large";
}

/// <summary>The reply to a <see cref="SendMessage"/> whose client message id was accepted, within its window, for another text: nothing is persisted.</summary>
public sealed record MessageIdReused(string ConversationId, string MessageId) : IWithConversationId;

/// <summary>Streams <see cref="ConversationUpdate"/>s of the conversation to <see cref="Subscriber"/> until it stops or unsubscribes.</summary>
public sealed record Subscribe(string ConversationId, IActorRef Subscriber) : IWithConversationId;

public sealed record Unsubscribe(string ConversationId, IActorRef Subscriber) : IWithConversationId;

/// <summary>Starts (recovers) a conversation without doing anything else; it then finishes any open work.</summary>
public sealed record WakeUp(string ConversationId) : IWithConversationId;

/// <summary>Replies <see cref="ConversationStatus"/>.</summary>
public sealed record GetConversationStatus(string ConversationId) : IWithConversationId;

public sealed record ConversationStatus(
    string ConversationId,
    string Phase,
    string? LastResponseId,
    int WindowItems,
    int OpenToolCalls,
    int QueuedMessages,
    string? LastAnswer,
    IReadOnlyList<WaitingToolCall>? WaitingToolCalls = null) : IWithConversationId;
