using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;

namespace Orchestrator.Actors.Tools;

/// <summary>Builds the JSON schema the model sees for a tool's argument type.</summary>
internal static class ToolSchema
{
    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        // Binding respects nullable annotations, so an unannotated reference is non-nullable there too.
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = Transform,
    };

    public static JsonElement For(JsonTypeInfo typeInfo)
    {
        JsonNode schema = JsonSchemaExporter.GetJsonSchemaAsNode(typeInfo, ExporterOptions);
        using JsonDocument document = JsonDocument.Parse(schema.ToJsonString());
        return document.RootElement.Clone();
    }

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (schema is not JsonObject node)
        {
            return schema;
        }

        // The exporter lists string enum values without saying they are strings; models do better when told.
        if (!node.ContainsKey("type") && node["enum"] is JsonArray values
            && values.All(value => value?.GetValueKind() == JsonValueKind.String))
        {
            node.Insert(0, "type", "string");
        }

        if (!node.ContainsKey("description") && DescriptionOf(context) is { } description)
        {
            node.Insert(0, "description", description);
        }

        return node;
    }

    // A positional record's [Description] lands on the constructor parameter, not the property, so look at both.
    private static string? DescriptionOf(JsonSchemaExporterContext context) =>
        Description(context.PropertyInfo?.AttributeProvider)
        ?? Description(context.PropertyInfo?.AssociatedParameter?.AttributeProvider)
        ?? Description(context.TypeInfo.Type);

    private static string? Description(ICustomAttributeProvider? provider) =>
        provider?.GetCustomAttributes(typeof(DescriptionAttribute), inherit: true)
            .OfType<DescriptionAttribute>()
            .Select(attribute => attribute.Description)
            .FirstOrDefault(text => !string.IsNullOrWhiteSpace(text));
}
