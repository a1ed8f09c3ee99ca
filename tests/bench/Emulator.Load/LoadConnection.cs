using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace Orchestrator.Emulator.Load;

/// <summary>
/// One client connection sending the same small <c>response.create</c> and counting each
/// <c>response.completed</c>. It looks only at the start of each message, so that the client's CPU
/// goes to the socket and not to JSON, leaving the machine to the server being measured.
/// </summary>
internal sealed class LoadConnection(Uri url, int pipeline)
{
    private static readonly byte[] Request = Encoding.UTF8.GetBytes(
        """{"type":"response.create","model":"gpt-load","store":false,"instructions":"Be brief.","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Hello, load test."}]}]}""");

    private static readonly byte[] Completed = "{\"type\":\"response.completed\""u8.ToArray();
    private static readonly byte[] Error = "{\"type\":\"error\""u8.ToArray();

    public long Completions;

    public async Task RunAsync(CancellationToken stop)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, CancellationToken.None);
        for (int i = 0; i < pipeline; i++)
        {
            await socket.SendAsync(Request, WebSocketMessageType.Text, true, CancellationToken.None);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        int length = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException($"The emulator closed the connection: {socket.CloseStatus} {socket.CloseStatusDescription}");
                }

                // Only the first bytes of a message matter; a long message's rest is read over them.
                length = Math.Min(length + result.Count, 64);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                ReadOnlySpan<byte> start = buffer.AsSpan(0, length);
                length = 0;
                if (start.StartsWith(Error))
                {
                    throw new InvalidOperationException("The emulator answered with an error: " + Encoding.UTF8.GetString(start));
                }

                if (!start.StartsWith(Completed))
                {
                    continue;
                }

                Interlocked.Increment(ref Completions);
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                await socket.SendAsync(Request, WebSocketMessageType.Text, true, CancellationToken.None);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        // Requests still queued are abandoned: the close tells the server to stop.
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }
}
