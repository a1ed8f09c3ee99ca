namespace Orchestrator.Load;

/// <summary>
/// The figures of one measured run. Null means the run cannot measure the figure (the Agents SDK peer has no
/// journal and no engine instruments).
/// </summary>
public sealed record BenchResult
{
    public required string Name { get; init; }
    public required int Conversations { get; init; }
    public required int Completed { get; init; }
    public required int Failed { get; init; }
    /// <summary>Model round trips (responses) in completed conversations.</summary>
    public required long Turns { get; init; }
    /// <summary>Wall time of the measured phase, from the first message sent to the last conversation finished.</summary>
    public required double Seconds { get; init; }
    /// <summary>Model turns (responses) per second of the measured phase.</summary>
    public double TurnsPerSecond => Seconds > 0 ? Turns / Seconds : 0;
    /// <summary>Model turns per second while every conversation was still running (<see cref="AllRunningRate"/>).</summary>
    public double? TurnsPerSecondAllRunning { get; init; }
    /// <summary>The node's pool: sockets it may open and lanes per socket; null for the Agents SDK peer.</summary>
    public int? MaxSockets { get; init; }
    public int? LanesPerConnection { get; init; }
    /// <summary>From a conversation asking the connection manager for a lane to the grant: once per turn, which keeps its lane.</summary>
    public Percentiles? LeaseWaitMs { get; init; }
    /// <summary>The most turns that held a lane at once during the measured phase.</summary>
    public long? PeakTurnsInFlight { get; init; }
    public Percentiles? ToolResultsToRequestMs { get; init; }
    public Percentiles? ResponseToToolsMs { get; init; }
    public Percentiles? OverheadMs { get; init; }
    public double? BytesPerContinuation { get; init; }
    public double? BytesPerFullSend { get; init; }
    public IReadOnlyList<RequestBytes> RequestsByIndex { get; init; } = [];
    public required double CpuSeconds { get; init; }
    public double CpuSecondsPer1000Turns => Turns > 0 ? CpuSeconds * 1000 / Turns : double.NaN;
    /// <summary>
    /// Managed bytes the process allocated over the measured phase (with the in-process emulator, its too); null for
    /// the Agents SDK peer.
    /// </summary>
    public long? AllocatedBytes { get; init; }
    public double? AllocatedKbPerTurn => AllocatedBytes is { } bytes && Turns > 0 ? bytes / 1024.0 / Turns : null;
    public required double PeakRssMb { get; init; }
    /// <summary>Resident growth per conversation, sockets included: an upper bound (<see cref="IdleConversationMemory"/>).</summary>
    public double? RssKbPerConversation { get; init; }
    /// <summary>Managed memory an idle conversation holds (<see cref="IdleConversationMemory"/>).</summary>
    public double? ManagedKbPerConversation { get; init; }
    /// <summary>Conversation actors left once the run's conversations had passivated (a passivated one keeps none).</summary>
    public int? LiveAfterPassivation { get; init; }
    public long? JournalWrites { get; init; }
    public double? JournalWritesPerSecond => JournalWrites is { } writes && Seconds > 0 ? writes / Seconds : null;
    /// <summary>The first failure's reason, to say why <see cref="Failed"/> is not zero.</summary>
    public string? FirstFailure { get; init; }

    /// <summary>
    /// Continuations ÷ all requests (issue 5's continuation ratio; <see cref="BenchReport.ContinuationRatio"/> compares
    /// bytes). Null when the run's requests are not counted by kind (the Agents SDK peer).
    /// </summary>
    public double? ContinuationShare =>
        RequestsByIndex.Sum(r => r.Count) is var all and > 0 ? RequestsByIndex.Where(r => r.Continuation).Sum(r => r.Count) / (double)all : null;

    /// <summary>Mean size of the request at <paramref name="index"/> in the turn, of the given kind; null when none was sent.</summary>
    public double? MeanBytesAt(int index, bool continuation) =>
        RequestsByIndex.FirstOrDefault(r => r.Index == index && r.Continuation == continuation)?.MeanBytes;
}
