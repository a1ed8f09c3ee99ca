namespace Orchestrator.Emulator;

/// <summary>
/// One <c>stream_id</c> lane of a connection (or its default lane): requests run FIFO, one at a
/// time; the lane's latest response is its share of the <see cref="ConnectionCache"/>.
/// </summary>
internal sealed class Lane(string? streamId) : IDisposable
{
    public string? StreamId { get; } = streamId;

    /// <summary>The last queued request's run; the next request runs after it.</summary>
    public Task Tail { get; set; } = Task.CompletedTask;

    /// <summary>Reused by the lane's responses, which never overlap.</summary>
    public EventBatch Batch { get; } = new();

    /// <summary>Steering input accepted for <see cref="PendingSteerFor"/> and not yet committed.</summary>
    public ContextItem[] PendingSteer { get; set; } = [];

    public string? PendingSteerFor { get; set; }

    public void Dispose() => Batch.Dispose();
}
