using Akka.Actor;

namespace Orchestrator.Messages.Conversations;

/// <summary>
/// A user message for a conversation. Persisted before it is acknowledged with <see cref="MessageAccepted"/>;
/// a repeat with the same <see cref="ClientMessageId"/> is acknowledged again and otherwise ignored.
/// </summary>
public sealed record SendMessage(string ConversationId, string Text, string? ClientMessageId = null) : IWithConversationId;

public sealed record MessageAccepted(string ConversationId, string MessageId, bool Duplicate) : IWithConversationId;

public sealed record MessageRejected(string ConversationId, string Reason) : IWithConversationId;

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
    string? LastAnswer) : IWithConversationId;
