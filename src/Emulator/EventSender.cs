using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;

namespace Orchestrator.Emulator;

/// <summary>
/// The one send path of a connection. Responses on different lanes write their events into their
/// own <see cref="EventBatch"/> and send whole batches here, one at a time, so a batch's events
/// stay together. With the connection's <see cref="GatedStream"/> at hand, a batch is framed here
/// (server frames are unmasked: a two-to-ten-byte header and the payload) and leaves in a single
/// transport write; otherwise each event goes through <see cref="WebSocket.SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, bool, CancellationToken)"/>.
/// </summary>
internal sealed class EventSender(WebSocket socket, GatedStream? transport) : IEventSink
{
    private const byte FinalTextFrame = 0x81;
    private const int MaxHeaderBytes = 10;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _closed;

    /// <summary>Sends the batch's events, each as one text message, then empties the batch.</summary>
    public async ValueTask SendAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_closed)
            {
                // Nothing may follow the close frame; the response that wanted to send ends here.
                throw new OperationCanceledException("The connection is closing.");
            }

            if (transport is null)
            {
                for (int index = 0; index < batch.Count; index++)
                {
                    await socket.SendAsync(batch[index], WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }

                return;
            }

            byte[] frames = ArrayPool<byte>.Shared.Rent(batch.Bytes + batch.Count * MaxHeaderBytes);
            try
            {
                int length = 0;
                for (int index = 0; index < batch.Count; index++)
                {
                    length += WriteFrame(frames.AsSpan(length), batch[index].Span);
                }

                await transport.WriteAsync(frames.AsMemory(0, length), cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frames);
            }
        }
        finally
        {
            _gate.Release();
            batch.Clear();
        }
    }

    /// <summary>A connection's sender serves many responses at once: the per-response stream faults are HTTP's.</summary>
    public void BeginResponse(RequestFaults faults)
    {
    }

    /// <summary>Starts (or answers) the close handshake after any batch being sent, so the close frame comes last.</summary>
    public async Task CloseOutputAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            await socket.CloseOutputAsync(status, description, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One final, unmasked text frame (RFC 6455 §5.2); returns its size.</summary>
    private static int WriteFrame(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        destination[0] = FinalTextFrame;
        int header;
        if (payload.Length < 126)
        {
            destination[1] = (byte)payload.Length;
            header = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
            header = 4;
        }
        else
        {
            destination[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payload.Length);
            header = 10;
        }

        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }
}
