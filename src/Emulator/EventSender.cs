using System.Net.WebSockets;

namespace Orchestrator.Emulator;

/// <summary>
/// The one send path of a connection. Responses on different lanes write their events into their
/// own <see cref="EventBatch"/> and send whole batches here, one at a time, so a batch's events
/// stay together; each batch leaves in one transport write when the connection coalesces.
/// </summary>
internal sealed class EventSender(WebSocket socket, CoalescingStream? transport)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private bool closed;

    /// <summary>Sends the batch's events, each as one text message, then empties the batch.</summary>
    public async ValueTask SendAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (closed)
            {
                // Nothing may follow the close frame; the response that wanted to send ends here.
                throw new OperationCanceledException("The connection is closing.");
            }

            transport?.Cork();
            for (int index = 0; index < batch.Count; index++)
            {
                await socket.SendAsync(batch[index], WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }

            if (transport is not null)
            {
                await transport.UncorkAsync(cancellationToken);
            }
        }
        finally
        {
            gate.Release();
            batch.Clear();
        }
    }

    /// <summary>Starts (or answers) the close handshake after any batch being sent, so the close frame comes last.</summary>
    public async Task CloseOutputAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (closed)
            {
                return;
            }

            closed = true;
            await socket.CloseOutputAsync(status, description, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}
