namespace Orchestrator.Emulator;

/// <summary>A response being streamed: what its response object shows at each stage.</summary>
internal sealed class ResponseState(ResponseCreateRequest request, List<ModelOutput> outputs)
{
    private int nextSequenceNumber;

    public string Id { get; } = IdGenerator.Next("resp_");

    public long CreatedAt { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public ResponseCreateRequest Request { get; } = request;

    public List<ModelOutput> Outputs { get; } = outputs;

    /// <summary>False until the response completes: the response object then shows its output and usage.</summary>
    public bool Completed { get; set; }

    public int InputTokens { get; init; }

    public int CachedTokens { get; init; }

    public int OutputTokens { get; init; }

    public int NextSequenceNumber() => nextSequenceNumber++;
}
