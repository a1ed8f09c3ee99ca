using System.Buffers;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>A received client message copied into a pooled buffer, with the document parsed over it; both go back together.</summary>
internal sealed class PooledMessage : IDisposable
{
    private byte[]? _buffer;

    public PooledMessage(ReadOnlySpan<byte> received)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(received.Length);
        received.CopyTo(_buffer);
        Length = received.Length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>The document over <see cref="Memory"/>, disposed with it.</summary>
    public JsonDocument? Document { get; set; }

    public void Dispose()
    {
        Document?.Dispose();
        Document = null;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
