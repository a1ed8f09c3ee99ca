using Orchestrator.Messages.Protocol;

namespace Orchestrator.Messages.Events;

/// <summary>
/// A conversation's whole state at one sequence number, so that recovery replays only the events after it.
/// A storage contract like the events: a new field gets a default, a new meaning gets a new version.
/// </summary>
public sealed record ConversationSnapshot(
    ConversationSettings? Settings,
    IReadOnlyList<Item> Window,
    int ChainLength,
    string? LastResponseId,
    IReadOnlyList<OpenCallSnapshot> OpenCalls,
    bool TurnOpen,
    IReadOnlyList<string> TurnMessageIds,
    IReadOnlyList<QueuedMessageSnapshot> Queued,
    IReadOnlyList<string> MessageIds,
    IReadOnlyList<MessageKeySnapshot>? MessageKeys = null,
    int TurnInputStart = -1,
    int TurnRounds = 0,
    int TurnToolCalls = 0,
    int TurnCompactions = 0) : IPersistedSnapshot;

public sealed record OpenCallSnapshot(string CallId, string Name, string Arguments, Item? Result = null, bool IsError = false, DateTimeOffset? AwaitedSince = null);

public sealed record QueuedMessageSnapshot(string MessageId, Item Message);

/// <summary>
/// An idempotency key with the fingerprint of its message's text and when it was accepted. Snapshots written before
/// these were recorded hold bare ids in <see cref="ConversationSnapshot.MessageIds"/> instead.
/// </summary>
public sealed record MessageKeySnapshot(string MessageId, string? Fingerprint, DateTimeOffset? AcceptedAt);

/// <summary>Marker for snapshots; bound to the same serializer as the events.</summary>
public interface IPersistedSnapshot;
