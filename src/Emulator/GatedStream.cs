namespace Orchestrator.Emulator;

/// <summary>
/// The upgraded connection under the WebSocket, with one gate for all writes. The WebSocket
/// writes its control frames (pong, keep-alive ping, close) through it; <see cref="EventSender"/>
/// writes whole batches of pre-framed server events through it, one write per batch. The gate keeps
/// the two from interleaving inside a frame. A response streamed with zero latency thus costs one
/// transport write rather than one per event, which is what lets the emulator outrun its clients.
/// </summary>
internal sealed class GatedStream(Stream inner) : Stream
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    // The WebSocket only uses the asynchronous members; blocking I/O on a Kestrel connection is disallowed anyway.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush() => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
