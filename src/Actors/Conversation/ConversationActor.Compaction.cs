using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
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
/// as too large (<see cref="RequestTooLarge"/>) that fails ends the turn instead.
/// </summary>
public sealed partial class ConversationActor
{
    private readonly CancellationTokenSource _stopping = new();
    private long _lastInputTokens;
    /// <summary>Set while the compaction running answers a too-large refusal: its failure fails the turn.</summary>
    private string? _compactingForRefusal;

    private bool CompactionDue()
    {
        if (_deps.Compactor is null
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

    private void StartCompaction(string? refusal = null)
    {
        _compactingForRefusal = refusal;
        var tokens = _lastInputTokens;
        _deps.Compactor!.CompactAsync(_state.Settings!, _state.Window, _stopping.Token).PipeTo(
            Self,
            success: window => new CompactionDone(window, tokens),
            failure: e => new CompactionFailed(e.Message));
        Become(Compacting);
    }

    private void Compacting()
    {
        Command<CompactionDone>(done => Persist(new WindowCompacted(done.Window, done.InputTokensBefore), e =>
        {
            Apply(e);
            ConnectionMetrics.ChainReset("compaction");
            _log.Info("Conversation {0}: compacted a window of {1} input tokens into {2} items", _conversationId, done.InputTokensBefore, done.Window.Count);
            _lastInputTokens = 0;
            SendNext();
        }));
        Command<CompactionFailed>(failed =>
        {
            if (_compactingForRefusal is { } refused)
            {
                DropTurnInput($"{refused}, and compacting the window failed: {failed.Reason}");
                return;
            }
            _log.Warning("Conversation {0}: compaction failed, continuing uncompacted: {1}", _conversationId, failed.Reason);
            _lastInputTokens = 0;
            SendNext();
        });
        Common();
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        base.PostStop();
    }

    private sealed record CompactionDone(IReadOnlyList<Item> Window, long InputTokensBefore);

    private sealed record CompactionFailed(string Reason);
}
