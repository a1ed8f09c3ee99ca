namespace Orchestrator.Messages.Conversations;

/// <summary>Counters of one turn, as seen by this process (a turn resumed after a restart counts from the resume).</summary>
public sealed record TurnStats(
    int ModelResponses,
    int ToolCalls,
    long BytesSent,
    int Continuations,
    int FullSends,
    int ChainResets,
    TimeSpan Elapsed)
{
    public static readonly TurnStats Empty = new(0, 0, 0, 0, 0, 0, TimeSpan.Zero);
}
