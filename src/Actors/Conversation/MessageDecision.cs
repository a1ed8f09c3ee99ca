using Orchestrator.Messages.Events;

namespace Orchestrator.Actors.Conversation;

/// <summary>What <see cref="ConversationState.Decide"/> makes of a user message: events to persist, or why there are none.</summary>
public abstract record MessageDecision
{
    private MessageDecision()
    {
    }

    /// <summary>Persist <paramref name="Events"/>; the message opens a turn when <paramref name="OpensTurn"/>, else it is queued.</summary>
    public sealed record Accept(string MessageId, IReadOnlyList<IPersistedEvent> Events, bool OpensTurn) : MessageDecision;

    /// <summary>The same id with the same text was accepted before: acknowledged again, nothing persisted.</summary>
    public sealed record Duplicate(string MessageId) : MessageDecision;

    /// <summary>The id was accepted before with another text.</summary>
    public sealed record IdReused(string MessageId) : MessageDecision;

    public sealed record Empty : MessageDecision;

    /// <summary>Over <see cref="ConversationOptions.MaxMessageChars"/>.</summary>
    public sealed record TooLong(int Chars, int Limit) : MessageDecision;

    /// <summary>The open turn's queue has no room for it.</summary>
    public sealed record QueueRefused(QueueRefusal Refusal) : MessageDecision;
}
