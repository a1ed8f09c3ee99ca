using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>
/// The <c>tools</c> array of a request: the function tools, then the hosted tools verbatim. The converter sits on the
/// type, not on <see cref="ResponseCreate.WireTools"/>: a converter on a property takes the whole request off the
/// source generator's fast path.
/// </summary>
[JsonConverter(typeof(RequestToolsConverter))]
public sealed record RequestTools(IReadOnlyList<FunctionTool> Functions, IReadOnlyList<JsonElement> Hosted);

/// <summary>Writes <see cref="RequestTools"/> as one array; requests are only written, never read.</summary>
public sealed class RequestToolsConverter : JsonConverter<RequestTools>
{
    public override RequestTools Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("A request's tools are only written.");

    public override void Write(Utf8JsonWriter writer, RequestTools value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var tool in value.Functions) JsonSerializer.Serialize(writer, tool, ProtocolJsonContext.Default.FunctionTool);
        foreach (var tool in value.Hosted) tool.WriteTo(writer);
        writer.WriteEndArray();
    }
}
