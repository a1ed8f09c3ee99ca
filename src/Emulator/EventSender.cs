using System.Buffers;
using System.Net.WebSockets;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// Writes server events into one reused buffer and sends each as a single text frame, so that
/// streaming allocates nothing per event beyond the strings the events carry.
/// </summary>
internal sealed class EventSender : IDisposable
{
    // Raw UTF-8 as the real server sends it, rather than \u-escaping non-ASCII and HTML characters.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly WebSocket socket;
    private readonly ArrayBufferWriter<byte> buffer = new(4096);

    public EventSender(WebSocket socket)
    {
        this.socket = socket;
        Json = new Utf8JsonWriter(buffer, Options);
    }

    /// <summary>The writer for the next event; <see cref="SendAsync"/> sends what was written.</summary>
    public Utf8JsonWriter Json { get; }

    /// <summary>Bytes written for the current event so far, to measure parts of it.</summary>
    public long Position => Json.BytesCommitted + Json.BytesPending;

    public async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        Json.Flush();
        try
        {
            await socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            buffer.ResetWrittenCount();
            Json.Reset(buffer);
        }
    }

    public void Dispose() => Json.Dispose();
}
