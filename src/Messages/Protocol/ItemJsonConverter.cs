using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>Writes an <see cref="Item"/> as its JSON verbatim and reads any JSON object as one.</summary>
public sealed class ItemJsonConverter : JsonConverter<Item>
{
    public override Item Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"An item must be a JSON object, found {reader.TokenType}.");
        return Item.From(JsonElement.ParseValue(ref reader));
    }

    public override void Write(Utf8JsonWriter writer, Item value, JsonSerializerOptions options) => value.WriteTo(writer);
}
