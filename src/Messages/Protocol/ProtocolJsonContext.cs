using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>Source-generated System.Text.Json metadata for the wire protocol (snake_case, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ResponseCreate))]
[JsonSerializable(typeof(FunctionTool))]
[JsonSerializable(typeof(ResponseSteer))]
[JsonSerializable(typeof(Usage))]
[JsonSerializable(typeof(ResponseError))]
[JsonSerializable(typeof(CompactRequest))]
[JsonSerializable(typeof(CompactResponse))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
