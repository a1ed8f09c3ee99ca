using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// Deterministic compaction of a context, for <c>POST /v1/responses/compact</c> and for
/// <c>context_management</c> on <c>response.create</c>: the most recent user messages are kept
/// verbatim, everything else becomes one <c>compaction</c> item whose opaque content carries what the
/// scripted model needs (<see cref="CompactionState"/>), so a compacted chain ends the same way.
/// </summary>
internal static class Compactor
{
    /// <summary>How many of the latest user messages stay in the window, as the real compaction keeps recent ones.</summary>
    public const int KeptUserMessages = 3;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static CompactedWindow Compact(IReadOnlyList<ContextItem[]> segments)
    {
        Dictionary<string, int> outputsByCall = ContextDigest.OutputsByCall(segments, out _);
        (int rounds, int calls) = ScriptedModel.FindLatestUserMessage(segments) is { } latest
            ? ScriptedModel.CountRoundsAfter(segments, latest)
            : (0, 0);
        var state = new CompactionState(outputsByCall, rounds, calls);

        string[] kept = [.. segments.SelectMany(segment => segment)
            .Where(item => item.Kind == ContextItemKind.UserMessage)
            .Select(item => item.UserText ?? string.Empty)
            .TakeLast(KeptUserMessages)];
        ModelOutput compaction = ModelOutput.Compaction(state);
        ContextItem[] items =
        [
            .. kept.Select(text => new ContextItem(ContextItemKind.UserMessage, null, text, Json(json => WriteUserMessage(json, text)).Length)),
            new ContextItem(ContextItemKind.Compaction, null, null, Json(json => WriteCompactionItem(json, compaction)).Length, state),
        ];
        return new CompactedWindow(kept, compaction, items);
    }

    public static void WriteUserMessage(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type", "message");
        json.WriteString("role", "user");
        json.WriteStartArray("content");
        json.WriteStartObject();
        json.WriteString("type", "input_text");
        json.WriteString("text", text);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteCompactionItem(Utf8JsonWriter json, ModelOutput compaction)
    {
        json.WriteStartObject();
        json.WriteString("id", compaction.ItemId);
        json.WriteString("type", "compaction");
        json.WriteString("encrypted_content", compaction.Text);
        json.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(json);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
