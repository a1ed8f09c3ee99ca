using System.Buffers;

namespace Orchestrator.Emulator;

/// <summary>
/// The upgraded connection under the WebSocket. While corked, the WebSocket's frame writes are
/// gathered in memory; uncorking writes them to the connection at once. A response streamed with
/// zero latency thus costs one transport write instead of one per event, which is what lets the
/// emulator outrun the clients it serves. Control frames the WebSocket writes on its own (pong,
/// keep-alive ping, close) go through the same gate, so writes never overlap and never reorder.
/// </summary>
internal sealed class CoalescingStream(Stream inner) : Stream
{
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly ArrayBufferWriter<byte> pending = new(16 * 1024);
    private volatile bool corked;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Gather writes until <see cref="UncorkAsync"/>. Callers serialize cork/uncork pairs.</summary>
    public void Cork() => corked = true;

    /// <summary>Writes everything gathered since <see cref="Cork"/> in one write, and stops gathering.</summary>
    public async ValueTask UncorkAsync(CancellationToken cancellationToken)
    {
        await writeGate.WaitAsync(cancellationToken);
        try
        {
            corked = false;
            if (pending.WrittenCount > 0)
            {
                await inner.WriteAsync(pending.WrittenMemory, cancellationToken);
            }
        }
        finally
        {
            pending.ResetWrittenCount();
            writeGate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await writeGate.WaitAsync(cancellationToken);
        try
        {
            if (corked)
            {
                pending.Write(buffer.Span);
                return;
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            writeGate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        corked ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

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
