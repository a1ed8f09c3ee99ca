namespace Orchestrator.Actors.Conversation;

public enum TurnCapKind
{
    /// <summary><see cref="ConversationOptions.MaxRoundsPerTurn"/>.</summary>
    Rounds,

    /// <summary><see cref="ConversationOptions.MaxToolCallsPerTurn"/>.</summary>
    ToolCalls,
}

/// <summary>The per-turn cap a response's calls ran into (<see cref="ConversationState.TurnCapReached"/>).</summary>
/// <param name="NotRun">The open calls that end the turn without running.</param>
public sealed record TurnCap(TurnCapKind Kind, int Limit, int NotRun);
