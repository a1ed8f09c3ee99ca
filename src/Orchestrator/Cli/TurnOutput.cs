using Orchestrator.Messages.Conversations;

namespace Orchestrator.Cli;

/// <summary>How <c>run</c> shows a turn: readable text for people, or JSON lines for machines.</summary>
public interface ITurnOutput
{
    void Started(string conversationId, Uri endpoint, bool embeddedEmulator);

    void Show(ConversationUpdate update);
}
