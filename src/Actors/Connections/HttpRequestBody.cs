using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// A <c>response.create</c> client event as the body of <c>POST /responses</c>: the same fields but <c>type</c> (and
/// a <c>stream_id</c>, which names a WebSocket lane), with <c>stream: true</c> so that the events come back as
/// Server-Sent Events. Conversations build one payload whatever the transport; this is the HTTP side's copy of it.
/// </summary>
public static class HttpRequestBody
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] FromClientEvent(ReadOnlyMemory<byte> clientEvent)
    {
        using var document = JsonDocument.Parse(clientEvent);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("A client event must be a JSON object.");
        var body = new ArrayBufferWriter<byte>(clientEvent.Length + 16);
        using (var writer = new Utf8JsonWriter(body, Relaxed))
        {
            writer.WriteStartObject();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("type"u8) || property.NameEquals("stream"u8) || property.NameEquals("stream_id"u8)) continue;
                property.WriteTo(writer);
            }
            writer.WriteBoolean("stream", true);
            writer.WriteEndObject();
        }
        return body.WrittenSpan.ToArray();
    }
}
