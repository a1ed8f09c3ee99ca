namespace Orchestrator.Emulator;

internal enum ResponseStatus
{
    InProgress,
    Completed,
    Failed,
    Incomplete,
}

/// <summary>A response being streamed: what its response object shows at each stage.</summary>
internal sealed class ResponseState(ResponseCreateRequest request, List<ModelOutput> outputs)
{
    private int _nextSequenceNumber;

    public string Id { get; } = IdGenerator.Next("resp_");

    public long CreatedAt { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public ResponseCreateRequest Request { get; } = request;

    public List<ModelOutput> Outputs { get; } = outputs;

    /// <summary>In progress until the response ends; a completed response object shows its output and usage.</summary>
    public ResponseStatus Status { get; set; }

    /// <summary>Why the response failed, when <see cref="Status"/> is <see cref="ResponseStatus.Failed"/>.</summary>
    public ProtocolError? Error { get; set; }

    /// <summary>Output was cut at <c>max_output_tokens</c>: the response ends <c>incomplete</c>.</summary>
    public bool CutShort { get; init; }

    /// <summary>Steering input ended the response at an output boundary: it ends <c>incomplete</c> with reason <c>steered</c>.</summary>
    public bool Steered { get; set; }

    /// <summary>The request asked to compact in band (<c>compaction_trigger</c>): <c>response.compaction.compacting</c> announces its compaction item.</summary>
    public bool CompactedInBand { get; init; }

    public int InputTokens { get; init; }

    public int CachedTokens { get; init; }

    public int OutputTokens { get; init; }

    /// <summary>Output tokens spent on reasoning items (part of <see cref="OutputTokens"/>).</summary>
    public int ReasoningTokens { get; init; }

    // Steering events are numbered from the receive loop while the response streams on its lane.
    public int NextSequenceNumber() => Interlocked.Increment(ref _nextSequenceNumber) - 1;
}
