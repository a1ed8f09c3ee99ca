namespace Orchestrator.Actors.Conversation;

public enum QueueRefusalKind
{
    /// <summary>The queue holds <see cref="ConversationOptions.MaxQueuedMessages"/> messages already.</summary>
    TooManyMessages,

    /// <summary>The message would take the queue past <see cref="ConversationOptions.MaxQueuedBytes"/>.</summary>
    TooManyBytes,
}

/// <summary>Why a message may not wait for the open turn to end (<see cref="ConversationState.RefuseQueued"/>).</summary>
/// <param name="Amount">Messages queued, or the bytes the queue would hold with the message.</param>
public sealed record QueueRefusal(QueueRefusalKind Kind, long Amount, long Limit);
