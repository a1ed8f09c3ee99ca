using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Orchestrator.Messages.Events;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// A conversation's idempotency keys (the ids of its accepted messages), oldest first, each with the fingerprint of
/// its message's text and its acceptance time, so that a repeat is recognised and a key reused for another text is
/// not taken for one. Bounded twice, by what the journal says alone (no clock): a key expires <see cref="Window"/>
/// after it was accepted, pruned when a later message is accepted; and only the newest <see cref="MaxKeys"/> are kept.
/// Keys from events written before acceptance times were recorded count from the first timed message after them.
/// </summary>
public sealed class MessageKeys
{
    /// <summary>How long a key identifies its message (Stripe's window); after it, the same key is a new message.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>Keys one conversation keeps at most; beyond them the oldest go, expired or not.</summary>
    public const int MaxKeys = 1000;

    public static readonly MessageKeys Empty = new([], ImmutableDictionary<string, MessageKey>.Empty.WithComparers(StringComparer.Ordinal));

    private readonly ImmutableList<MessageKey> _order;
    private readonly ImmutableDictionary<string, MessageKey> _byId;

    private MessageKeys(ImmutableList<MessageKey> order, ImmutableDictionary<string, MessageKey> byId)
    {
        _order = order;
        _byId = byId;
    }

    public int Count => _order.Count;

    public IEnumerable<MessageKey> All => _order;

    /// <summary>The key <paramref name="messageId"/> while it has not expired at <paramref name="now"/>; null otherwise.</summary>
    public MessageKey? Find(string messageId, DateTimeOffset now) =>
        _byId.TryGetValue(messageId, out var key) && !(key.AcceptedAt <= now - Window) ? key : null;

    public MessageKeys Add(string messageId, string? text, DateTimeOffset? acceptedAt)
    {
        var order = _order;
        var byId = _byId;
        if (byId.TryGetValue(messageId, out var earlier))
        {
            order = order.Remove(earlier);
            byId = byId.Remove(messageId);
        }
        if (acceptedAt is { } at && order.Count > 0 && order[0].AcceptedAt is null)
        {
            order = order.ConvertAll(k => k.AcceptedAt is null ? k with { AcceptedAt = at } : k);
            byId = Index(order);
        }
        var key = new MessageKey(messageId, text is null ? null : Fingerprint(text), acceptedAt);
        order = order.Add(key);
        byId = byId.Add(messageId, key);
        var expired = 0;
        while (expired < order.Count - 1 && (order.Count - expired > MaxKeys || order[expired].AcceptedAt <= acceptedAt - Window)) expired++;
        return expired == 0
            ? new MessageKeys(order, byId)
            : new MessageKeys(order.RemoveRange(0, expired), byId.RemoveRange(order.Take(expired).Select(k => k.MessageId)));
    }

    /// <summary>A short digest of a message's text: equal texts, equal fingerprints.</summary>
    public static string Fingerprint(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));

    public IReadOnlyList<MessageKeySnapshot> ToSnapshot() => _order.Select(k => new MessageKeySnapshot(k.MessageId, k.Fingerprint, k.AcceptedAt)).ToList();

    public static MessageKeys FromSnapshot(ConversationSnapshot snapshot)
    {
        var order = snapshot.MessageKeys is { } keys
            ? keys.Select(k => new MessageKey(k.MessageId, k.Fingerprint, k.AcceptedAt)).ToImmutableList()
            : snapshot.MessageIds.Select(id => new MessageKey(id, null, null)).ToImmutableList();
        return new MessageKeys(order, Index(order));
    }

    private static ImmutableDictionary<string, MessageKey> Index(ImmutableList<MessageKey> order) =>
        order.ToImmutableDictionary(k => k.MessageId, StringComparer.Ordinal);
}

/// <summary>An accepted message's id; <see cref="Fingerprint"/> is null for keys from snapshots that did not record it (any text then counts as a repeat).</summary>
public sealed record MessageKey(string MessageId, string? Fingerprint, DateTimeOffset? AcceptedAt)
{
    public bool Matches(string text) => Fingerprint is null || Fingerprint == MessageKeys.Fingerprint(text);
}
