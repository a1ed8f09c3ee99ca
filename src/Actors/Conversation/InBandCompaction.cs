using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// What an in-band compaction leaves: the response to a request that ended with <c>compaction_trigger</c> starts its
/// output with a <c>compaction</c> item that stands for the whole context before it except the most recent user
/// messages, which the server keeps verbatim, as its compact endpoint does. The new window is those messages and that
/// item; the rest of the output is the response recorded on it.
/// </summary>
public static class InBandCompaction
{
    /// <summary>The recent user messages a compaction keeps verbatim, as the compact endpoint's output shows them.</summary>
    public const int KeptUserMessages = 3;

    private const string CompactionType = "compaction";

    /// <summary>The compacted window and the response without its compaction item, or null when it carries none.</summary>
    public static InBandCompacted? Split(IReadOnlyList<Item> window, ResponseRecorded response)
    {
        var index = response.Output.ToList().FindIndex(item => item.Type == CompactionType);
        if (index < 0) return null;
        IReadOnlyList<Item> compacted =
        [
            .. window.Where(item => item.Type == ItemTypes.Message && item.Role == "user").TakeLast(KeptUserMessages),
            response.Output[index],
        ];
        return new InBandCompacted(compacted, response with { Output = [.. response.Output.Where((_, i) => i != index)] });
    }
}

/// <summary>The window an in-band compaction leaves, and the response recorded on it (its output without the compaction item).</summary>
public sealed record InBandCompacted(IReadOnlyList<Item> Window, ResponseRecorded Response);
