namespace Orchestrator.Hosting.Client;

/// <summary>A client message id (an <c>Idempotency-Key</c>) that the conversation accepted, within its window, for another text.</summary>
public sealed class MessageIdReusedException(string conversationId, string messageId)
    : Exception($"The message id '{messageId}' was already used in conversation {conversationId} for another text; a retry must send the same text, a new message needs a new id.")
{
    public string MessageId { get; } = messageId;
}
