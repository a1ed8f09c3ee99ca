using System.Collections.Immutable;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Everything a conversation knows, rebuilt from its journal by <see cref="Apply"/> alone (no I/O, no clock),
/// so that recovery is exact and the rules can be tested without an ActorSystem.
///
/// <code>
///            UserMessageAccepted (idle)
///   Idle ──────────────────────────────► AwaitingModel ◄──────────────────┐
///    ▲                                     │  ResponseRecorded            │ last ToolResultRecorded
///    │  ResponseRecorded without calls     │  with function calls         │ (outputs join the window
///    │  or TurnAbandoned                   ▼                              │  in call order)
///    └──────────────────────────────── (turn ends)     RunningTools ──────┘
/// </code>
/// A message accepted while a turn is open is queued and opens the next turn when this one ends.
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

    public ConversationPhase Phase =>
        !TurnOpen ? ConversationPhase.Idle
        : OpenCalls.Count > 0 ? ConversationPhase.RunningTools
        : ConversationPhase.AwaitingModel;

    /// <summary>Items recorded but not yet part of a completed response's context.</summary>
    public IReadOnlyList<Item> Unsent => Window.GetRange(ChainLength, Window.Count - ChainLength);

    public IEnumerable<OpenCall> CallsWithoutResult => OpenCalls.Where(c => c.Result is null);

    /// <summary>Whether recording <paramref name="response"/> leaves the conversation idle: no calls to run, no message queued.</summary>
    public bool IsLastOfTurn(ResponseRecorded response) => Queued.Count == 0 && !response.Output.Any(item => item.IsFunctionCall);

    public ConversationState Apply(IPersistedEvent e) => e switch
    {
        ConversationStarted started => this with { Settings = started.Settings },
        UserMessageAccepted message => Accept(message),
        ResponseRecorded response => Record(response),
        ToolResultRecorded result => Record(result),
        TurnAbandoned => EndTurn(),
        // The compacted window holds everything, tool outputs included: a new chain starts from it alone.
        WindowCompacted compacted => this with { Window = compacted.Window.ToImmutableList(), ChainLength = 0, LastResponseId = null },
        _ => throw new ArgumentException($"Unknown conversation event {e.GetType().Name}.", nameof(e)),
    };

    public ConversationSnapshot ToSnapshot() => new(
        Settings,
        Window,
        ChainLength,
        LastResponseId,
        OpenCalls.Select(c => new OpenCallSnapshot(c.CallId, c.Name, c.Arguments, c.Result, c.IsError)).ToList(),
        TurnOpen,
        TurnMessageIds,
        Queued.Select(q => new QueuedMessageSnapshot(q.MessageId, q.Message)).ToList(),
        // Bare ids only in snapshots written before keys had fingerprints and times.
        [],
        MessageIds.ToSnapshot());

    public static ConversationState FromSnapshot(ConversationSnapshot snapshot) => new()
    {
        Settings = snapshot.Settings,
        Window = snapshot.Window.ToImmutableList(),
        ChainLength = snapshot.ChainLength,
        LastResponseId = snapshot.LastResponseId,
        OpenCalls = snapshot.OpenCalls.Select(c => new OpenCall(c.CallId, c.Name, c.Arguments, c.Result, c.IsError)).ToImmutableList(),
        TurnOpen = snapshot.TurnOpen,
        TurnMessageIds = snapshot.TurnMessageIds.ToImmutableList(),
        Queued = snapshot.Queued.Select(q => new QueuedMessage(q.MessageId, q.Message)).ToImmutableList(),
        MessageIds = MessageKeys.FromSnapshot(snapshot),
    };

    private ConversationState Accept(UserMessageAccepted message)
    {
        var next = this with { MessageIds = MessageIds.Add(message.MessageId, message.Message.Text, message.AcceptedAt) };
        return TurnOpen
            ? next with { Queued = Queued.Add(new QueuedMessage(message.MessageId, message.Message)) }
            : next with { Window = Window.Add(message.Message), TurnOpen = true, TurnMessageIds = [message.MessageId] };
    }

    private ConversationState Record(ResponseRecorded response)
    {
        var window = Window.AddRange(response.Output);
        var calls = response.Output
            .Where(item => item.IsFunctionCall)
            .Select(item => item.ReadFunctionCall())
            .Select(call => new OpenCall(call.CallId ?? "", call.Name ?? "", call.Arguments ?? "", null))
            .ToImmutableList();
        var next = this with
        {
            Window = window,
            ChainLength = window.Count,
            LastResponseId = response.ResponseId,
            OpenCalls = calls,
        };
        return calls.Count > 0 ? next : next.EndTurn();
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

    private ConversationState EndTurn()
    {
        if (Queued.Count == 0) return this with { TurnOpen = false, TurnMessageIds = [] };
        return this with
        {
            Window = Window.AddRange(Queued.Select(q => q.Message)),
            TurnOpen = true,
            TurnMessageIds = Queued.Select(q => q.MessageId).ToImmutableList(),
            Queued = [],
        };
    }
}

public enum ConversationPhase
{
    Idle,
    AwaitingModel,
    RunningTools,
}

public sealed record OpenCall(string CallId, string Name, string Arguments, Item? Result, bool IsError = false);

public sealed record QueuedMessage(string MessageId, Item Message);
