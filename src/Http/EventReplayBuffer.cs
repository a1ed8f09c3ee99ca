using System.Globalization;
using System.Text.Json;

namespace Orchestrator.Http;

/// <summary>
/// The last updates of one conversation on this node, numbered so that a client reconnecting with
/// <c>Last-Event-ID</c> gets exactly what it missed. Ids are <c>{epoch}-{sequence}</c>: the epoch is new for
/// every buffer, so an id from an earlier buffer (a node restart, a buffer dropped after its retention) is
/// recognised as unknown rather than misread as a position in this one. When what the client missed is no
/// longer here, <see cref="Since"/> says so with a <c>stream.reset</c> event instead of silently skipping.
/// </summary>
public sealed class EventReplayBuffer
{
    public const string ResetEvent = "stream.reset";

    private readonly string _conversationId;
    private readonly int _capacity;
    private readonly Queue<(long Sequence, SseEvent Event)> _events = new();
    private long _last;

    public EventReplayBuffer(string conversationId, int capacity, string epoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _conversationId = conversationId;
        _capacity = capacity;
        Epoch = epoch;
    }

    public string Epoch { get; }

    /// <summary>Approximate bytes the buffered events take in memory (their strings, UTF-16, and a fixed cost each).</summary>
    public long Bytes { get; private set; }

    public int Count => _events.Count;

    public SseEvent Append(string type, string json)
    {
        var e = new SseEvent($"{Epoch}-{++_last}", type, json);
        _events.Enqueue((_last, e));
        Bytes += SizeOf(e);
        if (_events.Count > _capacity) TrimOldest();
        return e;
    }

    /// <summary>Drops the oldest event (a client that missed it then gets <c>stream.reset</c>); returns the bytes freed.</summary>
    public long TrimOldest()
    {
        if (_events.Count == 0) return 0;
        var freed = SizeOf(_events.Dequeue().Event);
        Bytes -= freed;
        return freed;
    }

    private static long SizeOf(SseEvent e) => 64 + 2L * ((e.Id?.Length ?? 0) + e.Event.Length + e.Data.Length);

    /// <summary>What a client that last saw <paramref name="lastEventId"/> missed; nothing for a client that saw nothing yet (null).</summary>
    public IReadOnlyList<SseEvent> Since(string? lastEventId)
    {
        if (string.IsNullOrEmpty(lastEventId)) return [];
        if (!TryParse(lastEventId, out var epoch, out var sequence) || epoch != Epoch || sequence > _last)
            return [Reset($"event id '{lastEventId}' is not from this stream (the node restarted or the stream expired)")];
        var oldest = _events.Count == 0 ? _last + 1 : _events.Peek().Sequence;
        if (sequence + 1 < oldest)
            return [Reset($"{oldest - sequence - 1} events after '{lastEventId}' are no longer buffered")];
        return _events.Where(e => e.Sequence > sequence).Select(e => e.Event).ToList();
    }

    /// <summary>The client cannot resume: it is told why and to read the conversation (GET) for what it missed.</summary>
    private SseEvent Reset(string reason)
    {
        var data = JsonSerializer.Serialize(new StreamResetLine(_conversationId, reason), ApiJsonContext.Default.StreamResetLine);
        return new SseEvent($"{Epoch}-{_last}", ResetEvent, data);
    }

    private static bool TryParse(string id, out string epoch, out long sequence)
    {
        var dash = id.LastIndexOf('-');
        epoch = dash > 0 ? id[..dash] : "";
        sequence = 0;
        return dash > 0 && long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }
}
