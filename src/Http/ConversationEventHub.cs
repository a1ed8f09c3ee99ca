using System.Threading.Channels;
using Akka.Actor;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Http;

/// <summary>
/// The node's fan-out of conversation updates to Server-Sent Event streams. For each conversation that has (or
/// recently had) a reader, it holds one subscription and one <see cref="EventReplayBuffer"/>; the buffer outlives
/// the last reader by <see cref="ApiOptions.EventRetention"/> so that a client can reconnect and resume.
///
/// The replay buffer lives here, in the API layer, rather than in the conversation: event ids are an HTTP
/// concern, text deltas are never persisted, and the engine stays unchanged. The price: a buffer is per node
/// (a client that reconnects to another node, or after a restart, gets <c>stream.reset</c> and reads the
/// conversation instead) and starts when the first reader attaches.
///
/// A conversation stops when it passivates; the hub watches it and subscribes again, which starts it again, so
/// a stream never silently goes deaf.
///
/// All buffers together hold at most <see cref="ApiOptions.EventBuffersMaxBytes"/>: beyond it, buffers without a
/// reader go first, the one abandoned longest ago first, then the oldest events of the largest buffer still read
/// (a client that missed those gets <c>stream.reset</c>, as when it falls behind a single buffer).
/// </summary>
public sealed class ConversationEventHub : ReceiveActor, IWithTimers
{
    private readonly IActorRef _region;
    private readonly ApiOptions _options;
    private readonly Dictionary<string, Log> _logs = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _watched = new();
    private long _bytes;
    private long _abandonments;

    public ConversationEventHub(IActorRef region, ApiOptions options)
    {
        _region = region;
        _options = options;
        Receive<Attach>(OnAttach);
        Receive<Detach>(OnDetach);
        Receive<Close>(close => Drop(close.ConversationId));
        Receive<Expire>(expire =>
        {
            if (_logs.TryGetValue(expire.ConversationId, out var log) && log.Readers.Count == 0) Drop(expire.ConversationId);
        });
        Receive<ConversationStatus>(OnSubscribed);
        Receive<ConversationUpdate>(OnUpdate);
        Receive<Terminated>(OnTerminated);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, ApiOptions options) => Akka.Actor.Props.Create(() => new ConversationEventHub(region, options));

    private void OnAttach(Attach attach)
    {
        if (!_logs.TryGetValue(attach.ConversationId, out var log))
        {
            log = new Log(new EventReplayBuffer(attach.ConversationId, _options.EventBufferSize, Guid.NewGuid().ToString("N")[..8]));
            _logs[attach.ConversationId] = log;
            _region.Tell(new Subscribe(attach.ConversationId, Self));
        }
        Timers.Cancel(attach.ConversationId);
        foreach (var missed in log.Buffer.Since(attach.LastEventId)) attach.Writer.TryWrite(missed);
        log.Readers.Add(attach.Writer);
        // The reader may rely on the subscription (it posts a message next): confirm only once the conversation has it.
        if (log.Subscribed) Sender.Tell(Attached.Instance);
        else log.Waiting.Add(Sender);
    }

    private void OnDetach(Detach detach)
    {
        if (!_logs.TryGetValue(detach.ConversationId, out var log) || !log.Readers.Remove(detach.Writer)) return;
        if (log.Readers.Count > 0) return;
        log.AbandonedAt = ++_abandonments;
        Timers.StartSingleTimer(detach.ConversationId, new Expire(detach.ConversationId), _options.EventRetention);
    }

    private void OnSubscribed(ConversationStatus status)
    {
        if (!_logs.TryGetValue(status.ConversationId, out var log)) return;
        log.Subscribed = true;
        _watched[Sender] = status.ConversationId;
        Context.Watch(Sender);
        foreach (var waiting in log.Waiting) waiting.Tell(Attached.Instance);
        log.Waiting.Clear();
    }

    private void OnUpdate(ConversationUpdate update)
    {
        if (!_logs.TryGetValue(update.ConversationId, out var log) || UpdateJson.Serialize(update) is not { } line) return;
        var before = log.Buffer.Bytes;
        var e = log.Buffer.Append(line.Type, line.Json);
        Account(log.Buffer.Bytes - before);
        EnforceBudget();
        // A reader that cannot keep up is cut off; it reconnects with Last-Event-ID and the buffer fills the gap.
        foreach (var reader in log.Readers.Where(reader => !reader.TryWrite(e)).ToList())
        {
            reader.TryComplete();
            log.Readers.Remove(reader);
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_watched.Remove(terminated.ActorRef, out var conversationId) || !_logs.TryGetValue(conversationId, out var log)) return;
        log.Subscribed = false;
        _region.Tell(new Subscribe(conversationId, Self));
    }

    private void Drop(string conversationId)
    {
        if (!_logs.Remove(conversationId, out var log)) return;
        Account(-log.Buffer.Bytes);
        Timers.Cancel(conversationId);
        foreach (var reader in log.Readers) reader.TryComplete();
        foreach (var waiting in log.Waiting) waiting.Tell(Attached.Instance);
        foreach (var conversation in _watched.Where(w => w.Value == conversationId).Select(w => w.Key).ToList())
        {
            Context.Unwatch(conversation);
            _watched.Remove(conversation);
        }
        _region.Tell(new Unsubscribe(conversationId, Self));
    }

    private void Account(long bytes)
    {
        _bytes += bytes;
        ApiMetrics.BufferBytesChanged(bytes);
    }

    private void EnforceBudget()
    {
        while (_bytes > _options.EventBuffersMaxBytes)
        {
            var abandoned = _logs.Where(l => l.Value.Readers.Count == 0 && l.Value.Waiting.Count == 0).Select(l => l.Key).MinBy(id => _logs[id].AbandonedAt);
            if (abandoned is not null)
            {
                ApiMetrics.Evicted(ApiMetrics.EvictedBuffer);
                Drop(abandoned);
                continue;
            }
            var largest = _logs.Values.Where(l => l.Buffer.Count > 1).MaxBy(l => l.Buffer.Bytes);
            if (largest is null) return;
            Account(-largest.Buffer.TrimOldest());
            ApiMetrics.Evicted(ApiMetrics.EvictedEvent);
        }
    }

    protected override void PostStop() => ApiMetrics.BufferBytesChanged(-_bytes);

    private sealed class Log(EventReplayBuffer buffer)
    {
        public EventReplayBuffer Buffer { get; } = buffer;
        public List<ChannelWriter<SseEvent>> Readers { get; } = [];
        public List<IActorRef> Waiting { get; } = [];
        public bool Subscribed { get; set; }
        /// <summary>Order in which buffers lost their last reader: the lowest was abandoned longest ago.</summary>
        public long AbandonedAt { get; set; }
    }

    /// <summary>Adds a reader: what it missed since <see cref="LastEventId"/> first, then every update; replies <see cref="Attached"/>.</summary>
    public sealed record Attach(string ConversationId, string? LastEventId, ChannelWriter<SseEvent> Writer);

    public sealed record Detach(string ConversationId, ChannelWriter<SseEvent> Writer);

    /// <summary>Ends every stream of a conversation (it was deleted) and forgets its buffer.</summary>
    public sealed record Close(string ConversationId);

    public sealed class Attached
    {
        public static readonly Attached Instance = new();

        private Attached()
        {
        }
    }

    private sealed record Expire(string ConversationId);
}
