using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;

namespace Orchestrator.Actors.Conversation;

/// <summary>What <see cref="ClientToolCalls.Decide"/> makes of a posted result.</summary>
public abstract record ToolResultDecision
{
    private ToolResultDecision()
    {
    }

    /// <summary>Persist <paramref name="Event"/>: the call of the tool <paramref name="Name"/> has its result, <paramref name="Output"/>.</summary>
    public sealed record Record(ToolResultRecorded Event, string Name, string Output) : ToolResultDecision;

    /// <summary>The same result is recorded already: acknowledged, nothing persisted.</summary>
    public sealed record Duplicate : ToolResultDecision;

    /// <summary>Not recorded; <paramref name="Code"/> is one of <see cref="ToolResultRejectionCodes"/>.</summary>
    public sealed record Refused(string Code, string Reason) : ToolResultDecision;
}
