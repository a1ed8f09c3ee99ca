using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>Compacts a conversation's window into a shorter one that a new chain can start from.</summary>
public interface ICompactor
{
    Task<IReadOnlyList<Item>> CompactAsync(ConversationSettings settings, IReadOnlyList<Item> window, CancellationToken cancellationToken);
}
