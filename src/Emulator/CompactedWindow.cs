namespace Orchestrator.Emulator;

/// <summary>The result of <see cref="Compactor.Compact"/>.</summary>
/// <param name="KeptUserTexts">The user messages kept, oldest first.</param>
/// <param name="Compaction">The compaction item (its text is the sealed <see cref="CompactionState"/>).</param>
/// <param name="Items">The whole new window as context items: kept user messages, then the compaction item.</param>
internal sealed record CompactedWindow(string[] KeptUserTexts, ModelOutput Compaction, ContextItem[] Items);
