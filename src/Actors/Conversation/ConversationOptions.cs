using Akka.Configuration;
using Orchestrator.Actors.Settings;
using Orchestrator.Messages.Events;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// How conversations behave on this node: <c>orchestrator.conversation</c> and the settings new conversations start
/// with (<c>orchestrator.model</c>, <c>instructions</c>, <c>store</c>); read once from configuration.
/// </summary>
public sealed record ConversationOptions
{
    /// <summary>The reference configuration's settings (<c>hocon/engine.conf</c>).</summary>
    public ConversationOptions() : this(ConfigurationFactory.Empty)
    {
    }

    /// <summary>The <c>orchestrator</c> keys of <paramref name="config"/>, the reference's where it has none.</summary>
    public ConversationOptions(Config config)
    {
        var o = EngineReference.Reader(config, "orchestrator");
        var model = o.String("model");
        if (string.IsNullOrWhiteSpace(model)) throw new SettingsException("orchestrator.model must be set.");
        var instructions = o.String("instructions");
        Defaults = new ConversationSettings(model, string.IsNullOrWhiteSpace(instructions) ? null : instructions, o.Bool("store"));

        var c = EngineReference.Reader(config, "orchestrator.conversation");
        UseContinuation = c.Bool("continuation");
        MaxSendAttempts = c.Positive("max-send-attempts");
        RetryMinBackoff = c.Duration("retry-min-backoff");
        RetryMaxBackoff = c.Duration("retry-max-backoff");
        IdleTimeout = c.Duration("idle-timeout");
        LeaseTimeout = c.Duration("lease-timeout");
        CompactionTimeout = c.Duration("compaction-timeout");
        CompactAtInputTokens = Math.Max(0, c.Long("compact-at-input-tokens"));
        ServerSideCompaction = c.Bool("server-side-compaction");
        InBandCompaction = c.Bool("in-band-compaction");
        SnapshotEvery = c.Positive("snapshot-every");
        WarmUp = c.Bool("warm-up");
        Steering = c.Bool("steering");
        SteeringSuccessorTimeout = c.Duration("steering-successor-timeout");
        MaxMessageChars = c.Positive("max-message-chars");
        MaxQueuedMessages = c.Positive("max-queued-messages");
        MaxQueuedBytes = c.Bytes("max-queued-bytes");
        MaxRoundsPerTurn = c.Positive("max-rounds-per-turn");
        MaxToolCallsPerTurn = c.Positive("max-tool-calls-per-turn");
        MaxCompactionsPerTurn = c.Int("max-compactions-per-turn", 0, 1000);
        ClientToolTimeout = c.Duration("client-tool-timeout");
        MaxConversationTools = c.Positive("max-conversation-tools");
        MaxConversationToolBytes = c.Bytes("max-conversation-tool-bytes");
    }

    /// <summary>Settings a new conversation starts with (persisted with its first message).</summary>
    public ConversationSettings Defaults { get; init; }

    /// <summary>
    /// Off sends the whole window every time, as a plain HTTP client would: the baseline that benchmarks
    /// compare continuation against. Never turn it off in production.
    /// </summary>
    public bool UseContinuation { get; init; }

    /// <summary>Failed sends of one request in a row (transport loss, 429, 5xx) before the turn is abandoned.</summary>
    public int MaxSendAttempts { get; init; }

    public TimeSpan RetryMinBackoff { get; init; }

    public TimeSpan RetryMaxBackoff { get; init; }

    /// <summary>
    /// Longest a turn waits for a lane (or a warm-up for its lane) before it gives up: the turn fails, the warm-up is
    /// skipped. The connection manager queues lease requests without a time limit; this bounds the wait per request.
    /// </summary>
    public TimeSpan LeaseTimeout { get; init; }

    /// <summary>Longest a compaction may run before it counts as failed (the turn goes on uncompacted); its late answer is ignored.</summary>
    public TimeSpan CompactionTimeout { get; init; }

    /// <summary>An idle conversation asks to be passivated after this long without messages; one with open work never does.</summary>
    public TimeSpan IdleTimeout { get; init; }

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
    /// Compact in band at <see cref="CompactAtInputTokens"/>: the next request ends with a <c>compaction_trigger</c>
    /// item and its response carries the compaction, which the engine persists as the new window (as it does the HTTP
    /// endpoint's); no separate round trip. <see cref="ServerSideCompaction"/>, when on as well, wins.
    /// </summary>
    public bool InBandCompaction { get; init; }

    /// <summary>
    /// A conversation created explicitly sends <c>generate:false</c> with its instructions and tools on its first lease,
    /// so the server has prepared them when the first user turn arrives (which continues from it on that lane).
    /// </summary>
    public bool WarmUp { get; init; }

    /// <summary>
    /// A message that arrives while a response streams is sent into it (<c>response.steer</c>) rather than queued for
    /// the next turn; a conversation's own <see cref="ConversationSettings.Steering"/> overrides it.
    /// </summary>
    public bool Steering { get; init; }

    /// <summary>Longest a steered response's automatic successor may take to start; then the steered messages run as the next turn.</summary>
    public TimeSpan SteeringSuccessorTimeout { get; init; }

    /// <summary>A snapshot is saved after every this many events, so recovery replays at most that many.</summary>
    public int SnapshotEvery { get; init; }

    /// <summary>Longest accepted user message, in characters.</summary>
    public int MaxMessageChars { get; init; }

    /// <summary>
    /// Messages that may wait while a turn is open; one more is refused before it is persisted. Queued messages
    /// open the next turn together, so this and <see cref="MaxQueuedBytes"/> bound that turn's new input.
    /// </summary>
    public int MaxQueuedMessages { get; init; }

    /// <summary>UTF-8 bytes of the texts of the messages waiting while a turn is open; a message that would pass it is refused.</summary>
    public long MaxQueuedBytes { get; init; }

    /// <summary>Model responses in one turn; a response that asks for tools at this count ends the turn without running them.</summary>
    public int MaxRoundsPerTurn { get; init; }

    /// <summary>Function calls the model may ask for in one turn; the response whose calls pass it ends the turn without running them.</summary>
    public int MaxToolCallsPerTurn { get; init; }

    /// <summary>
    /// Compactions in one turn; past it the turn goes on uncompacted (and fails if the server refuses it as too large),
    /// so a window that stays above the threshold after compacting cannot compact, and journal, before every request.
    /// </summary>
    public int MaxCompactionsPerTurn { get; init; }

    /// <summary>
    /// Longest a call that the client runs waits for its result; then the model gets a timed_out error output. A
    /// conversation may set its own (<see cref="ConversationToolSettings.ClientToolTimeout"/>). After a restart the wait
    /// starts again in full.
    /// </summary>
    public TimeSpan ClientToolTimeout { get; init; }

    /// <summary>Client and hosted tools one conversation may declare, together; more are refused at creation.</summary>
    public int MaxConversationTools { get; init; }

    /// <summary>UTF-8 bytes of a conversation's client and hosted tool declarations and tool choice, together (JSON).</summary>
    public long MaxConversationToolBytes { get; init; }
}
