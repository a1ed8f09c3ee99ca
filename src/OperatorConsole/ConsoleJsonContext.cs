using System.Text.Json.Serialization;

namespace Orchestrator.OperatorConsole;

/// <summary>The node view: this node's meters and the cluster.</summary>
public sealed record NodeView(NodeMeterView Meters, ClusterStateView Cluster);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConversationPage))]
[JsonSerializable(typeof(TimelineView))]
[JsonSerializable(typeof(NodeView))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;
