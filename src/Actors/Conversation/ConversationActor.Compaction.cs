using Akka.Actor;
using Akka.Event;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Compaction bounds the window: when the last response reported at least
/// <see cref="ConversationOptions.CompactAtInputTokens"/> input tokens, the whole window (tool outputs included)
/// is compacted before the next request, the compacted window is persisted, and a new chain starts from it.
/// A failed compaction is logged and skipped: the turn goes on with the window it has.
/// </summary>
public sealed partial class ConversationActor
{
    private readonly CancellationTokenSource _stopping = new();
    private long _lastInputTokens;

    private bool CompactionDue() =>
        _deps.Compactor is not null
        && _deps.Options.CompactAtInputTokens > 0
        && !_deps.Options.ServerSideCompaction
        && _lastInputTokens >= _deps.Options.CompactAtInputTokens;

    private ContextManagement? ServerSideCompaction() =>
        _deps.Options.ServerSideCompaction && _deps.Options.CompactAtInputTokens > 0
            ? ContextManagement.Compaction(_deps.Options.CompactAtInputTokens)
            : null;

    private void StartCompaction()
    {
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
            Diagnostics.ConnectionMetrics.ChainReset("compaction");
            _log.Info("Conversation {0}: compacted a window of {1} input tokens into {2} items", _conversationId, done.InputTokensBefore, done.Window.Count);
            _lastInputTokens = 0;
            SendNext();
        }));
        Command<CompactionFailed>(failed =>
        {
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
