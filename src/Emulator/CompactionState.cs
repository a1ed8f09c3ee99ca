using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// What a <c>compaction</c> item stands for, so that the scripted model answers the same after a
/// compaction as before it: every function call of the compacted context with the number of outputs
/// it had (for the digest), and the rounds and calls since the latest user message (for the loop).
/// Carried, sealed, in the item's <c>encrypted_content</c> (<see cref="OpaqueContent"/>).
/// </summary>
internal sealed record CompactionState(IReadOnlyDictionary<string, int> OutputsByCall, int RoundsAfterUser, int CallsAfterUser)
{
    private const string Kind = "compaction";

    public string Seal()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("r", RoundsAfterUser);
            json.WriteNumber("k", CallsAfterUser);
            json.WriteStartObject("c");
            foreach ((string callId, int outputs) in OutputsByCall)
            {
                json.WriteNumber(callId, outputs);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return OpaqueContent.Seal(Kind, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>The state sealed in <paramref name="content"/>, or null when it was not issued by the emulator or was altered.</summary>
    public static CompactionState? TryOpen(string content)
    {
        if (OpaqueContent.TryOpen(Kind, content) is not { } payload)
        {
            return null;
        }

        using JsonDocument document = JsonDocument.Parse(payload);
        JsonElement root = document.RootElement;
        var outputs = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty call in root.GetProperty("c").EnumerateObject())
        {
            outputs[call.Name] = call.Value.GetInt32();
        }

        return new CompactionState(outputs, root.GetProperty("r").GetInt32(), root.GetProperty("k").GetInt32());
    }
}
