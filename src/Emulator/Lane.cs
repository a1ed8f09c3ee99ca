namespace Orchestrator.Emulator;

/// <summary>
/// One <c>stream_id</c> lane of a connection (or its default lane): requests run FIFO, one at a
/// time, and the lane keeps its latest response as its share of the connection-local cache.
/// </summary>
internal sealed class Lane(string? streamId) : IDisposable
{
    public string? StreamId { get; } = streamId;

    /// <summary>The last queued request's run; the next request runs after it.</summary>
    public Task Tail { get; set; } = Task.CompletedTask;

    /// <summary>The lane's latest completed response (its cache entry).</summary>
    public CachedResponse? Latest { get; set; }

    /// <summary>Reused by the lane's responses, which never overlap.</summary>
    public EventBatch Batch { get; } = new();

    /// <summary>Steering input accepted for <see cref="PendingSteerFor"/> and not yet committed.</summary>
    public ContextItem[] PendingSteer { get; set; } = [];

    public string? PendingSteerFor { get; set; }

    public void Dispose() => Batch.Dispose();
}
