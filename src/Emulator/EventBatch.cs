using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// Server events written but not yet sent, each to become one WebSocket message. One batch per
/// response (or per one-off event), reused across its events, so that streaming allocates nothing
/// per event beyond the strings the events carry. <see cref="EventSender.SendAsync"/> empties it.
/// </summary>
internal sealed class EventBatch : IDisposable
{
    // Raw UTF-8 as the real server sends it, rather than \u-escaping non-ASCII and HTML characters.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly List<int> _ends = [];

    public EventBatch() => Json = new Utf8JsonWriter(_buffer, Options);

    /// <summary>The writer for the next event; call <see cref="EndEvent"/> after each event.</summary>
    public Utf8JsonWriter Json { get; }

    public int Count => _ends.Count;

    /// <summary>Total size of the events' payloads.</summary>
    public int Bytes => _buffer.WrittenCount;

    /// <summary>Marks the end of the event just written.</summary>
    public void EndEvent()
    {
        Json.Flush();
        Json.Reset(_buffer);
        _ends.Add(_buffer.WrittenCount);
    }

    /// <summary>Adds a message with exactly these bytes (for deliberately malformed frames).</summary>
    public void AddRaw(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        _ends.Add(_buffer.WrittenCount);
    }

    /// <summary>The event at <paramref name="index"/>.</summary>
    public ReadOnlyMemory<byte> this[int index]
    {
        get
        {
            int start = index == 0 ? 0 : _ends[index - 1];
            return _buffer.WrittenMemory[start.._ends[index]];
        }
    }

    public void Clear()
    {
        _buffer.ResetWrittenCount();
        _ends.Clear();
        Json.Reset(_buffer);
    }

    public void Dispose() => Json.Dispose();
}
