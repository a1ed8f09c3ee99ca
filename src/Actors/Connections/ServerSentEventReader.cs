using System.Buffers;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// Reads a <c>text/event-stream</c> body into the data of its events: the <c>data:</c> lines of each event joined by
/// line feeds (one leading space dropped), dispatched at the blank line that ends the event. Lines end with LF, CR or
/// CRLF; comments (<c>:</c>…) and the other fields (<c>event:</c>, <c>id:</c>, <c>retry:</c>) are skipped, since each
/// Responses event names its type in its JSON. A <c>[DONE]</c> data line ends the stream, as the end of the body does
/// (an event cut off before its blank line is dropped). An event, or a line, longer than the limit is a
/// <see cref="ProtocolException"/>: the buffers never grow past it.
/// </summary>
public sealed class ServerSentEventReader(Stream stream, int maxEventBytes)
{
    private const int ReadSize = 16 * 1024;
    private static readonly byte[] Done = "[DONE]"u8.ToArray();
    private readonly ArrayBufferWriter<byte> _data = new(ReadSize);
    private byte[] _buffer = new byte[ReadSize];
    private int _start;
    private int _end;
    private bool _endOfStream;
    /// <summary>The last line ended with CR: a LF that follows belongs to it.</summary>
    private bool _skipLineFeed;

    /// <summary>The data of the next event, valid until the next call; null at the end of the stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken)
    {
        _data.ResetWrittenCount();
        var hasData = false;
        while (true)
        {
            if (_skipLineFeed && _start < _end)
            {
                if (_buffer[_start] == (byte)'\n') _start++;
                _skipLineFeed = false;
            }
            var unread = _buffer.AsSpan(_start, _end - _start);
            var lineEnd = unread.IndexOfAny((byte)'\n', (byte)'\r');
            if (lineEnd < 0)
            {
                if (_endOfStream) return null;
                if (unread.Length > maxEventBytes) throw TooLarge();
                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            var line = unread[..lineEnd];
            _skipLineFeed = unread[lineEnd] == (byte)'\r';
            _start += lineEnd + 1;

            if (line.IsEmpty)
            {
                if (!hasData) continue;
                if (_data.WrittenSpan.SequenceEqual(Done)) return null;
                return _data.WrittenMemory;
            }
            if (line[0] == (byte)':') continue;
            var colon = line.IndexOf((byte)':');
            var field = colon < 0 ? line : line[..colon];
            if (!field.SequenceEqual("data"u8)) continue;
            var value = colon < 0 ? [] : line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ') value = value[1..];
            if (hasData) _data.Write("\n"u8);
            _data.Write(value);
            hasData = true;
            if (_data.WrittenCount > maxEventBytes) throw TooLarge();
        }
    }

    /// <summary>Reads more of the body after the unread bytes, moving them to the front and growing the buffer when full.</summary>
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0) _endOfStream = true;
        else _end += read;
    }

    private ProtocolException TooLarge() => new($"the server sent an event over {maxEventBytes} bytes");
}
