namespace Orchestrator.Load;

/// <summary>
/// One <c>bench --nodes N</c> run: C conversations through the HTTP APIs of N <c>serve</c> processes on one
/// PostgreSQL journal. <see cref="Seconds"/> is the measured phase (after the warm-up), from the first create to the
/// last turn's end.
/// </summary>
/// <param name="Turns">Model turns of the conversations that completed with the expected digest.</param>
/// <param name="Retries">Requests sent again because a node answered 503 or 504 (<see cref="ApiConversationDriver"/>).</param>
/// <param name="BenchCpuSeconds">The bench process's CPU in the measured phase: the HTTP clients and the in-process emulator.</param>
/// <param name="JournalWrites">Rows the measured phase added to the conversations' journal table.</param>
public sealed record ClusterBenchResult(
    BenchScenario Scenario,
    int Nodes,
    int Completed,
    int Failed,
    long Turns,
    long Retries,
    double Seconds,
    IReadOnlyList<ClusterNodeFigures> NodeFigures,
    double BenchCpuSeconds,
    long JournalWrites,
    string? FirstFailure,
    DateTimeOffset Started,
    string LoadAverageAtStart,
    string LoadAverageAtEnd)
{
    public double TurnsPerSecond => Seconds > 0 ? Turns / Seconds : 0;

    public double NodesCpuSeconds => NodeFigures.Sum(n => n.CpuSeconds);

    /// <summary>All nodes' CPU per 1,000 turns: what the cluster spends on a turn, whatever the cores.</summary>
    public double? NodesCpuSecondsPer1000Turns => Turns > 0 ? NodesCpuSeconds / Turns * 1000 : null;

    public double JournalWritesPerSecond => Seconds > 0 ? JournalWrites / Seconds : 0;
}

/// <param name="Conversations">Measured conversations the bench sent to this node (round robin).</param>
/// <param name="CpuSeconds">The node process's CPU in the measured phase.</param>
/// <param name="PeakRssMb">The node process's resident high-water mark at the end.</param>
public sealed record ClusterNodeFigures(int Index, string Address, int Conversations, double CpuSeconds, double PeakRssMb);
