using System.Collections.Immutable;
using System.Text;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Everything a conversation knows, rebuilt from its journal by <see cref="Apply"/> alone (no I/O, no clock),
/// so that recovery is exact and the rules can be tested without an ActorSystem. The <c>Decide</c> methods are the other
/// half: what a command becomes (the events to persist, or why none), given the clock and ids from outside.
///
/// <code>
///            UserMessageAccepted (idle)
///   Idle ──────────────────────────────► AwaitingModel ◄──────────────────┐
///    ▲                                     │  ResponseRecorded            │ last ToolResultRecorded
///    │  ResponseRecorded without calls     │  with function calls         │ (outputs join the window
///    │  or TurnAbandoned                   ▼                              │  in call order)
///    │  or TurnInputDropped                                               │
///    └──────────────────────────────── (turn ends)     RunningTools ──────┘
/// </code>
/// A message accepted while a turn is open is queued and opens the next turn when this one ends. A turn counts its
/// responses, calls and compactions (<see cref="TurnCapReached"/>), and knows where its droppable input begins
/// (<see cref="TurnInputStart"/>), so that a turn the server refuses as too large can leave a window that fits.
/// </summary>
public sealed record ConversationState
{
    public static readonly ConversationState Empty = new();

    public ConversationSettings? Settings { get; init; }

    /// <summary>The transcript since the chain began: user messages, response outputs, tool outputs, in order.</summary>
    public ImmutableList<Item> Window { get; init; } = [];

    /// <summary>How many leading items of <see cref="Window"/> the server holds under <see cref="LastResponseId"/>.</summary>
    public int ChainLength { get; init; }

    /// <summary>The last response recorded in the journal; only a persisted id is ever continued from.</summary>
    public string? LastResponseId { get; init; }

    /// <summary>The function calls of the last response, in call order, with their results as they arrive.</summary>
    public ImmutableList<OpenCall> OpenCalls { get; init; } = [];

    public bool TurnOpen { get; init; }

    /// <summary>The user messages the open turn answers.</summary>
    public ImmutableList<string> TurnMessageIds { get; init; } = [];

    /// <summary>Messages accepted while a turn was open; they open the next turn together.</summary>
    public ImmutableList<QueuedMessage> Queued { get; init; } = [];

    /// <summary>Ids of accepted messages (idempotency keys), bounded by age and count.</summary>
    public MessageKeys MessageIds { get; init; } = MessageKeys.Empty;

    /// <summary>UTF-8 bytes of the texts in <see cref="Queued"/>.</summary>
    public long QueuedBytes { get; init; }

    /// <summary>
    /// Where the open turn's input begins in <see cref="Window"/>: the first item after the last response and its tool
    /// outputs, so every user message the server has not yet accepted. -1 once the window was compacted in the turn.
    /// </summary>
    public int TurnInputStart { get; init; } = -1;

    /// <summary>Responses recorded in the open turn.</summary>
    public int TurnRounds { get; init; }

    /// <summary>Function calls the open turn's responses asked for.</summary>
    public int TurnToolCalls { get; init; }

    /// <summary>Compactions in the open turn.</summary>
    public int TurnCompactions { get; init; }

    public ConversationPhase Phase =>
        !TurnOpen ? ConversationPhase.Idle
        : OpenCalls.Count > 0 ? ConversationPhase.RunningTools
        : ConversationPhase.AwaitingModel;

    /// <summary>Items recorded but not yet part of a completed response's context.</summary>
    public IReadOnlyList<Item> Unsent => Window.GetRange(ChainLength, Window.Count - ChainLength);

    public IEnumerable<OpenCall> CallsWithoutResult => OpenCalls.Where(c => c.Result is null);

    /// <summary>Whether the call <paramref name="callId"/> is open without a result: asked for every result of every round.</summary>
    public bool AwaitsResult(string callId)
    {
        foreach (var call in OpenCalls)
            if (call.Result is null && call.CallId == callId) return true;
        return false;
    }

    /// <summary>Whether recording <paramref name="response"/> leaves the conversation idle: no calls to run, no message queued.</summary>
    public bool IsLastOfTurn(ResponseRecorded response) => Queued.Count == 0 && !response.Output.Any(item => item.IsFunctionCall);

    /// <summary>Why a message of <paramref name="textBytes"/> UTF-8 bytes may not join the queue, or null when it may (or opens a turn itself).</summary>
    public QueueRefusal? RefuseQueued(long textBytes, int maxMessages, long maxBytes)
    {
        if (!TurnOpen) return null;
        if (Queued.Count >= maxMessages) return new QueueRefusal(QueueRefusalKind.TooManyMessages, Queued.Count, maxMessages);
        return QueuedBytes + textBytes > maxBytes ? new QueueRefusal(QueueRefusalKind.TooManyBytes, QueuedBytes + textBytes, maxBytes) : null;
    }

    /// <summary>
    /// The cap the open calls would take the turn past, or null when they may run: a response asking for tools after
    /// <paramref name="maxRounds"/> responses, or calls that bring the turn over <paramref name="maxToolCalls"/>.
    /// </summary>
    public TurnCap? TurnCapReached(int maxRounds, int maxToolCalls) =>
        OpenCalls.Count == 0 ? null : CapOf(maxRounds, maxToolCalls, OpenCalls.Count(c => c.Result is null));

    /// <summary>
    /// The cap a request now would pass, or null: only after a turn was capped and its end not yet written (a crash
    /// between the two), since a capped turn sends nothing more.
    /// </summary>
    public TurnCap? CapBeforeSending(int maxRounds, int maxToolCalls) => CapOf(maxRounds, maxToolCalls, notRun: 0);

    private TurnCap? CapOf(int maxRounds, int maxToolCalls, int notRun)
    {
        if (TurnRounds >= maxRounds) return new TurnCap(TurnCapKind.Rounds, maxRounds, notRun);
        return TurnToolCalls > maxToolCalls ? new TurnCap(TurnCapKind.ToolCalls, maxToolCalls, notRun) : null;
    }

    /// <summary>
    /// What <paramref name="command"/> becomes under <paramref name="messageId"/> (the client's, or one made for it) at
    /// <paramref name="now"/>: refused before anything is persisted when it is empty, too long or finds the queue full; a
    /// repeat of an accepted id is acknowledged (same text) or refused (another); otherwise its events, the conversation's
    /// start first when it has none.
    /// </summary>
    public MessageDecision Decide(SendMessage command, string messageId, DateTimeOffset now, ConversationOptions options)
    {
        if (string.IsNullOrWhiteSpace(command.Text)) return new MessageDecision.Empty();
        if (command.Text.Length > options.MaxMessageChars) return new MessageDecision.TooLong(command.Text.Length, options.MaxMessageChars);
        if (MessageIds.Find(messageId, now) is { } known)
            return known.Matches(command.Text) ? new MessageDecision.Duplicate(messageId) : new MessageDecision.IdReused(messageId);
        if (RefuseQueued(Encoding.UTF8.GetByteCount(command.Text), options.MaxQueuedMessages, options.MaxQueuedBytes) is { } refusal)
            return new MessageDecision.QueueRefused(refusal);

        var accepted = new UserMessageAccepted(messageId, Item.UserMessage(command.Text), now);
        IPersistedEvent[] events = Settings is null ? [new ConversationStarted(options.Defaults), accepted] : [accepted];
        return new MessageDecision.Accept(messageId, events, OpensTurn: !TurnOpen);
    }

    /// <summary>
    /// The event that creates the conversation with <paramref name="command"/>'s model and instructions over
    /// <paramref name="defaults"/>, or null when it exists already (a repeat changes nothing).
    /// </summary>
    public ConversationStarted? Decide(CreateConversation command, ConversationSettings defaults) =>
        Settings is not null
            ? null
            : new ConversationStarted(defaults with { Model = command.Model ?? defaults.Model, Instructions = command.Instructions ?? defaults.Instructions, Tools = command.Tools ?? defaults.Tools, Steering = command.Steering ?? defaults.Steering, PromptCache = command.PromptCache ?? defaults.PromptCache });

    public ConversationState Apply(IPersistedEvent e) => e switch
    {
        ConversationStarted started => this with { Settings = started.Settings },
        UserMessageAccepted message => Accept(message),
        ResponseRecorded response => Record(response),
        ToolResultRecorded result => Record(result),
        TurnAbandoned => EndTurn(),
        // The compacted window holds everything, tool outputs included: a new chain starts from it alone.
        WindowCompacted compacted => this with
        {
            Window = compacted.Window.ToImmutableList(),
            ChainLength = 0,
            LastResponseId = null,
            TurnCompactions = TurnCompactions + 1,
            TurnInputStart = -1,
        },
        TurnInputDropped dropped => DropTurnInput(dropped).EndTurn(),
        ClientToolCallsAwaited awaited => Await(awaited),
        SteerApplied steered => Apply(steered),
        _ => throw new ArgumentException($"Unknown conversation event {e.GetType().Name}.", nameof(e)),
    };

    public ConversationSnapshot ToSnapshot() => new(
        Settings,
        Window,
        ChainLength,
        LastResponseId,
        OpenCalls.Select(c => new OpenCallSnapshot(c.CallId, c.Name, c.Arguments, c.Result, c.IsError, c.AwaitedSince)).ToList(),
        TurnOpen,
        TurnMessageIds,
        Queued.Select(q => new QueuedMessageSnapshot(q.MessageId, q.Message)).ToList(),
        // Bare ids only in snapshots written before keys had fingerprints and times.
        [],
        MessageIds.ToSnapshot(),
        TurnInputStart,
        TurnRounds,
        TurnToolCalls,
        TurnCompactions);

    public static ConversationState FromSnapshot(ConversationSnapshot snapshot) => new()
    {
        Settings = snapshot.Settings,
        Window = snapshot.Window.ToImmutableList(),
        ChainLength = snapshot.ChainLength,
        LastResponseId = snapshot.LastResponseId,
        OpenCalls = snapshot.OpenCalls.Select(c => new OpenCall(c.CallId, c.Name, c.Arguments, c.Result, c.IsError, c.AwaitedSince)).ToImmutableList(),
        TurnOpen = snapshot.TurnOpen,
        TurnMessageIds = snapshot.TurnMessageIds.ToImmutableList(),
        Queued = snapshot.Queued.Select(q => new QueuedMessage(q.MessageId, q.Message)).ToImmutableList(),
        MessageIds = MessageKeys.FromSnapshot(snapshot),
        QueuedBytes = snapshot.Queued.Sum(q => (long)TextBytes(q.Message)),
        TurnInputStart = snapshot.TurnInputStart,
        TurnRounds = snapshot.TurnRounds,
        TurnToolCalls = snapshot.TurnToolCalls,
        TurnCompactions = snapshot.TurnCompactions,
    };

    /// <summary>What a queued message counts against <see cref="ConversationOptions.MaxQueuedBytes"/>.</summary>
    public static int TextBytes(Item message) => Encoding.UTF8.GetByteCount(message.Text);

    /// <summary>The text that stands in the window for a turn input that was dropped.</summary>
    public static string DroppedInputPlaceholder(string reason) => $"[An earlier message was dropped unanswered: {reason}]";

    private ConversationState Accept(UserMessageAccepted message)
    {
        var next = this with { MessageIds = MessageIds.Add(message.MessageId, message.Message.Text, message.AcceptedAt) };
        return TurnOpen
            ? next with { Queued = Queued.Add(new QueuedMessage(message.MessageId, message.Message)), QueuedBytes = QueuedBytes + TextBytes(message.Message) }
            : next.OpenTurn([message.Message], [message.MessageId]);
    }

    private ConversationState OpenTurn(IEnumerable<Item> input, ImmutableList<string> messageIds) => this with
    {
        TurnInputStart = InputStart(),
        Window = Window.AddRange(input),
        TurnOpen = true,
        TurnMessageIds = messageIds,
        TurnRounds = 0,
        TurnToolCalls = 0,
        TurnCompactions = 0,
    };

    /// <summary>The first item after the last response and the tool outputs that answer it.</summary>
    private int InputStart()
    {
        var start = Math.Min(ChainLength, Window.Count);
        while (start < Window.Count && Window[start].IsFunctionCallOutput) start++;
        return start;
    }

    /// <summary>
    /// Keeps the window before the turn's input and every compaction item after it (the server's summary of what it
    /// replaced), then the placeholder. Nothing kept is a call without its output, so the next request, a new chain, is
    /// valid; and what is kept was the context of an accepted response, or a compaction's output.
    /// </summary>
    private ConversationState DropTurnInput(TurnInputDropped dropped)
    {
        var start = Math.Clamp(TurnInputStart, 0, Window.Count);
        var window = Window.GetRange(0, start)
            .AddRange(Window.Skip(start).Where(item => item.Type == CompactionItemType))
            .Add(Item.UserMessage(DroppedInputPlaceholder(dropped.Reason)));
        return this with { Window = window, ChainLength = 0, LastResponseId = null, OpenCalls = [] };
    }

    private const string CompactionItemType = "compaction";

    private ConversationState Record(ResponseRecorded response)
    {
        var next = RecordOutput(response);
        return next.OpenCalls.Count > 0 ? next : next.EndTurn();
    }

    /// <summary>
    /// The steered messages leave the queue for the window, in the order they were accepted, after the steered
    /// response's output when it ended just before; the turn goes on and answers them too. A message no longer queued
    /// (a repeat of the event) changes nothing: never a message twice.
    /// </summary>
    private ConversationState Apply(SteerApplied steered)
    {
        var next = steered.Parent is { } parent ? RecordOutput(parent) : this;
        var ids = steered.MessageIds.ToHashSet();
        var moved = next.Queued.Where(q => ids.Contains(q.MessageId)).ToList();
        if (moved.Count == 0) return next;
        return next with
        {
            Window = next.Window.AddRange(moved.Select(q => q.Message)),
            Queued = next.Queued.RemoveAll(q => ids.Contains(q.MessageId)),
            QueuedBytes = next.QueuedBytes - moved.Sum(q => (long)TextBytes(q.Message)),
            TurnMessageIds = next.TurnMessageIds.AddRange(moved.Select(q => q.MessageId)),
        };
    }

    /// <summary>The response joins the window and heads the chain; its calls open.</summary>
    private ConversationState RecordOutput(ResponseRecorded response)
    {
        var window = Window.AddRange(response.Output);
        var calls = response.Output
            .Where(item => item.IsFunctionCall)
            .Select(item => item.ReadFunctionCall())
            .Select(call => new OpenCall(call.CallId ?? "", call.Name ?? "", call.Arguments ?? "", null))
            .ToImmutableList();
        return this with
        {
            Window = window,
            ChainLength = window.Count,
            LastResponseId = response.ResponseId,
            OpenCalls = calls,
            TurnRounds = TurnRounds + 1,
            TurnToolCalls = TurnToolCalls + calls.Count,
        };
    }

    private ConversationState Record(ToolResultRecorded result)
    {
        var index = OpenCalls.FindIndex(c => c.CallId == result.CallId);
        // A result for a call that is not open, or already answered, changes nothing: never a duplicate output.
        if (index < 0 || OpenCalls[index].Result is not null) return this;

        var calls = OpenCalls.SetItem(index, OpenCalls[index] with { Result = result.Output, IsError = result.IsError });
        return calls.All(c => c.Result is not null)
            ? this with { OpenCalls = [], Window = Window.AddRange(calls.Select(c => c.Result!)) }
            : this with { OpenCalls = calls };
    }

    /// <summary>Marks the open calls among <paramref name="awaited"/>'s as offered to the client; other ids change nothing.</summary>
    private ConversationState Await(ClientToolCallsAwaited awaited) => this with
    {
        OpenCalls = OpenCalls.Select(c => awaited.CallIds.Contains(c.CallId) && c.AwaitedSince is null ? c with { AwaitedSince = awaited.Since } : c).ToImmutableList(),
    };

    private ConversationState EndTurn()
    {
        if (Queued.Count == 0)
            return this with { TurnOpen = false, TurnMessageIds = [], TurnInputStart = -1, TurnRounds = 0, TurnToolCalls = 0, TurnCompactions = 0 };
        return (this with { Queued = [], QueuedBytes = 0 }).OpenTurn(Queued.Select(q => q.Message), Queued.Select(q => q.MessageId).ToImmutableList());
    }
}

public enum ConversationPhase
{
    Idle,
    AwaitingModel,
    RunningTools,
}

/// <param name="AwaitedSince">When the call was offered to the client that runs it (tool.required); null for the node's calls and before.</param>
public sealed record OpenCall(string CallId, string Name, string Arguments, Item? Result, bool IsError = false, DateTimeOffset? AwaitedSince = null);

public sealed record QueuedMessage(string MessageId, Item Message);
