using Orchestrator.Messages.Events;

namespace Orchestrator.Actors.Conversation;

/// <summary>How conversations behave on this node; read once from configuration.</summary>
public sealed record ConversationOptions
{
    /// <summary>Settings a new conversation starts with (persisted with its first message).</summary>
    public required ConversationSettings Defaults { get; init; }

    /// <summary>
    /// Off sends the whole window every time, as a plain HTTP client would: the baseline that benchmarks
    /// compare continuation against. Never turn it off in production.
    /// </summary>
    public bool UseContinuation { get; init; } = true;

    /// <summary>Failed sends of one request in a row (transport loss, 429, 5xx) before the turn is abandoned.</summary>
    public int MaxSendAttempts { get; init; } = 6;

    public TimeSpan RetryMinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An idle conversation asks to be passivated after this long without messages; one with open work never does.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// When a response reports at least this many input tokens, the window is compacted through
    /// <c>POST /v1/responses/compact</c> before the next request, which then starts a new chain. 0 turns it off.
    /// </summary>
    public long CompactAtInputTokens { get; init; }

    /// <summary>
    /// Ask the server to compact by itself (<c>context_management</c>) at <see cref="CompactAtInputTokens"/>
    /// instead of compacting through the HTTP endpoint; the engine's own window then keeps growing.
    /// </summary>
    public bool ServerSideCompaction { get; init; }

    /// <summary>
    /// A conversation created explicitly sends <c>generate:false</c> with its instructions and tools on its first lease,
    /// so the server has prepared them when the first user turn arrives (which continues from it on that lane).
    /// </summary>
    public bool WarmUp { get; init; }

    /// <summary>A snapshot is saved after every this many events, so recovery replays at most that many.</summary>
    public int SnapshotEvery { get; init; } = 100;

    /// <summary>Longest accepted user message, in characters.</summary>
    public int MaxMessageChars { get; init; } = 1_000_000;
}
