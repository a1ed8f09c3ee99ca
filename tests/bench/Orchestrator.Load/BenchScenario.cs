using Orchestrator.Emulator;

namespace Orchestrator.Load;

/// <summary>
/// One bench load: <see cref="Conversations"/> concurrent conversations, each one user turn of <see cref="Rounds"/>
/// rounds of <see cref="Tools"/> parallel tool calls, against a model that takes <see cref="ModelLatency"/>
/// ± <see cref="ModelLatencyJitter"/> per response and tools that take <see cref="ToolLatency"/> per call. Each client first completes <see cref="WarmUp"/>
/// conversations (at most C) that are left out of the figures: they JIT the hot path and start the cluster's shards.
/// </summary>
public sealed record BenchScenario(int Conversations, int Rounds, int Tools, TimeSpan ModelLatency, TimeSpan ToolLatency, int WarmUp = BenchScenario.DefaultWarmUp)
{
    public const int DefaultWarmUp = 32;

    /// <summary>
    /// Half the width of the uniform spread of each response's model latency around <see cref="ModelLatency"/>: with
    /// none, conversations run in lockstep and every round's responses arrive as one burst, which no real model does.
    /// </summary>
    public TimeSpan ModelLatencyJitter { get; init; }

    /// <summary>
    /// The in-process emulator that plays this scenario's model. Its latency draws keep the emulator's default seed,
    /// so every run of a scenario draws the same sequence (by request number).
    /// </summary>
    public EmulatorOptions Emulator(bool recordTraffic = false) =>
        new() { ModelLatency = ModelLatency, ModelLatencyJitter = ModelLatencyJitter, RecordTraffic = recordTraffic };

    /// <summary>The warm-up conversations each client actually runs.</summary>
    public int WarmUpConversations => Math.Min(WarmUp, Conversations);

    /// <summary>The user message: the emulator's scripted model reads <c>tools:N rounds:R</c>.</summary>
    public string Message => $"compare catalogue items tools:{Tools} rounds:{Rounds}";

    /// <summary>The digest a correct conversation ends with: every call answered once.</summary>
    public string ExpectedDigest => $"calls={Rounds * Tools} outputs={Rounds * Tools} missing=0 duplicates=0";

    /// <summary>Model round trips per conversation: one per round, plus the final answer.</summary>
    public int TurnsPerConversation => Rounds + 1;
}
