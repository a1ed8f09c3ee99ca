using System.Text.Json.Serialization;

namespace Orchestrator.Http;

// The JSON objects of UpdateJson: one record per update type, the type first.

public sealed record TextDeltaLine(string ConversationId, string Delta)
{
    [JsonPropertyOrder(-1)] public string Type => "text.delta";
}

public sealed record ToolStartedLine(string ConversationId, string CallId, string Name, string Arguments)
{
    [JsonPropertyOrder(-1)] public string Type => "tool.started";
}

public sealed record ToolFinishedLine(string ConversationId, string CallId, string Name, string Output, bool IsError, double DurationMs)
{
    [JsonPropertyOrder(-1)] public string Type => "tool.finished";
}

public sealed record ToolRequiredLine(string ConversationId, string CallId, string Name, string Arguments)
{
    [JsonPropertyOrder(-1)] public string Type => "tool.required";
}

public sealed record TurnCompletedLine(string ConversationId, string ResponseId, string Text, StatsJson Stats)
{
    [JsonPropertyOrder(-1)] public string Type => "turn.completed";
}

public sealed record TurnFailedLine(string ConversationId, string Reason)
{
    [JsonPropertyOrder(-1)] public string Type => "turn.failed";
}

public sealed record StatsJson(int ModelTurns, int ToolCalls, long BytesSent, int Continuations, int FullSends, int ChainResets, double ElapsedMs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TextDeltaLine))]
[JsonSerializable(typeof(ToolStartedLine))]
[JsonSerializable(typeof(ToolFinishedLine))]
[JsonSerializable(typeof(ToolRequiredLine))]
[JsonSerializable(typeof(TurnCompletedLine))]
[JsonSerializable(typeof(TurnFailedLine))]
internal sealed partial class UpdateJsonContext : JsonSerializerContext;
