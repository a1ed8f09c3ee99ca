using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Compaction bounds the window: when the last response reported at least
/// <see cref="ConversationOptions.CompactAtInputTokens"/> input tokens, the whole window (tool outputs included)
/// is compacted before the next request, the compacted window is persisted, and a new chain starts from it.
/// A failed compaction is logged and skipped: the turn goes on with the window it has. A turn compacts at most
/// <see cref="ConversationOptions.MaxCompactionsPerTurn"/> times, so a window that stays over the threshold once compacted
/// does not compact (and journal a compacted window) before every request. A compaction for a request the server refused
/// as too large (<see cref="RequestTooLarge"/>) that fails ends the turn instead. A compaction that has not answered
/// within <see cref="ConversationOptions.CompactionTimeout"/> counts as failed; its late answer is ignored.
/// </summary>
public sealed partial class ConversationActor
{
    private long _lastInputTokens;

    private static readonly Item CompactionTrigger = Item.Parse("""{"type":"compaction_trigger"}""");

    private bool CompactionDue()
    {
        if ((_deps.Compactor is null && !_deps.Options.InBandCompaction)
            || _deps.Options.CompactAtInputTokens <= 0
            || _deps.Options.ServerSideCompaction
            || _lastInputTokens < _deps.Options.CompactAtInputTokens)
            return false;
        if (_state.TurnCompactions < _deps.Options.MaxCompactionsPerTurn) return true;
        // Counted once per response: the next is due again only if that response is over the threshold too.
        _lastInputTokens = 0;
        ConversationLimitMetrics.CompactionSkipped();
        _log.Info("Conversation {0}: the turn has compacted {1} times (orchestrator.conversation.max-compactions-per-turn); going on uncompacted", _conversationId, _state.TurnCompactions);
        return false;
    }

    private ContextManagement? ServerSideCompaction() =>
        _deps.Options.ServerSideCompaction && _deps.Options.CompactAtInputTokens > 0
            ? ContextManagement.Compaction(_deps.Options.CompactAtInputTokens)
            : null;

    /// <param name="refusal">Set when the compaction answers a too-large refusal: its failure fails the turn.</param>
    private void StartCompaction(Turn turn, string? refusal = null)
    {
        var run = new CompactionRun(refusal);
        var tokens = _lastInputTokens;
        _deps.Compactor!.CompactAsync(_state.Settings!, _state.Window, _stopping.Token).PipeTo(
            Self,
            success: window => new CompactionDone(window, tokens, run),
            failure: e => new CompactionFailed(e.Message, run));
        Timers.StartSingleTimer(CompactionWait.Instance, CompactionWait.Instance, _deps.Options.CompactionTimeout);
        Become(Compacting(turn, run));
    }

    private Receive Compacting(Turn turn, CompactionRun run) => message =>
    {
        switch (message)
        {
            case CompactionDone done when done.Run == run:
                Timers.Cancel(CompactionWait.Instance);
                Persist(new WindowCompacted(done.Window, done.InputTokensBefore), e =>
                {
                    Apply(e);
                    ConnectionMetrics.ChainReset("compaction");
                    _log.Info("Conversation {0}: compacted a window of {1} input tokens into {2} items", _conversationId, done.InputTokensBefore, done.Window.Count);
                    _lastInputTokens = 0;
                    SendNext(turn);
                });
                return true;
            case CompactionFailed failed when failed.Run == run:
                Timers.Cancel(CompactionWait.Instance);
                OnCompactionFailed(turn, run, failed.Reason);
                return true;
            case CompactionWait:
                OnCompactionFailed(turn, run, $"no answer within {_deps.Options.CompactionTimeout}");
                return true;
            case CancelTurn:
                Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: true));
                Become(CancellingCompaction(turn, run));
                return true;
            default: return Common(message, turn);
        }
    };

    private void OnCompactionFailed(Turn turn, CompactionRun run, string reason)
    {
        if (run.Refusal is { } refused)
        {
            DropTurnInput(turn, $"{refused}, and compacting the window failed: {reason}");
            return;
        }
        _log.Warning("Conversation {0}: compaction failed, continuing uncompacted: {1}", _conversationId, reason);
        _lastInputTokens = 0;
        SendNext(turn);
    }

    /// <summary>Waits for the compaction in progress to end (or its wait to expire), then ends the turn without using it.</summary>
    private Receive CancellingCompaction(Turn turn, CompactionRun run) => message =>
    {
        switch (message)
        {
            case CompactionDone done when done.Run == run:
            case CompactionFailed failed when failed.Run == run:
                Timers.Cancel(CompactionWait.Instance);
                Abandon(turn, CancelledReason);
                return true;
            case CompactionWait:
                Abandon(turn, CancelledReason);
                return true;
            case CancelTurn:
                Sender.Tell(new TurnCancelReply(_conversationId, Cancelled: true));
                return true;
            default: return Common(message, turn);
        }
    };

    /// <summary>The request with a <c>compaction_trigger</c> last in its input when the turn compacts in band.</summary>
    private static ResponseCreate WithCompactionTrigger(Turn turn, ResponseCreate request) =>
        turn.CompactInBand ? request with { Input = [.. request.Input, CompactionTrigger] } : request;

    /// <summary>Persists the compacted window as the HTTP endpoint's is, then the response on it.</summary>
    private void RecordCompactedResponse(Turn turn, IReadOnlyList<Item> window, ResponseRecorded rest)
    {
        var tokens = _lastInputTokens;
        Persist(new WindowCompacted(window, tokens), e =>
        {
            Apply(e);
            ConnectionMetrics.ChainReset("compaction");
            _log.Info("Conversation {0}: compacted in band a window of {1} input tokens into {2} items", _conversationId, tokens, window.Count);
        });
        RecordResponse(turn, rest);
    }

    /// <summary>One compaction: its answer is told from a late one of an earlier compaction by this reference.</summary>
    private sealed class CompactionRun(string? refusal)
    {
        public string? Refusal { get; } = refusal;
    }

    private sealed record CompactionDone(IReadOnlyList<Item> Window, long InputTokensBefore, CompactionRun Run);

    private sealed record CompactionFailed(string Reason, CompactionRun Run);

    /// <summary>The compaction has not answered within <see cref="ConversationOptions.CompactionTimeout"/>.</summary>
    private sealed class CompactionWait
    {
        public static readonly CompactionWait Instance = new();
    }
}
