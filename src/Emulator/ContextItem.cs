namespace Orchestrator.Emulator;

internal enum ContextItemKind
{
    UserMessage,
    OtherMessage,
    FunctionCall,
    FunctionCallOutput,
    Compaction,
    Other,

    /// <summary><c>compaction_trigger</c>, last in a request's input: compact in band; never part of a cached context.</summary>
    CompactionTrigger,
}

/// <summary>
/// What the scripted model and the token estimate need from one item of a context; the item's JSON
/// itself is not kept, so that long cached chains stay cheap.
/// </summary>
/// <param name="CallId">For function calls and their outputs.</param>
/// <param name="UserText">For user messages: the concatenated text parts.</param>
/// <param name="Bytes">UTF-8 size of the item's JSON, the basis of the token estimate.</param>
/// <param name="Compacted">For compaction items: what the compacted context held.</param>
internal readonly record struct ContextItem(ContextItemKind Kind, string? CallId, string? UserText, int Bytes, CompactionState? Compacted = null);
