using System.Text.Json;
using System.Text.Json.Serialization;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Cli;

/// <summary>One JSON object per line; the last of a successful run is <c>turn.completed</c>.</summary>
public sealed class JsonTurnOutput(TextWriter output) : ITurnOutput
{
    public void Started(string conversationId, Uri endpoint, bool embeddedEmulator) =>
        Write(new RunStartedLine(conversationId, endpoint.ToString(), embeddedEmulator), CliJsonContext.Default.RunStartedLine);

    public void Show(ConversationUpdate update)
    {
        if (UpdateJson.Serialize(update) is not { } line) return;
        output.WriteLine(line.Json);
        output.Flush();
    }

    private void Write<T>(T line, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        output.WriteLine(JsonSerializer.Serialize(line, info));
        output.Flush();
    }
}

public sealed record RunStartedLine(string ConversationId, string Endpoint, bool EmbeddedEmulator)
{
    [JsonPropertyOrder(-1)] public string Type => "run.started";
}

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
[JsonSerializable(typeof(RunStartedLine))]
[JsonSerializable(typeof(TextDeltaLine))]
[JsonSerializable(typeof(ToolStartedLine))]
[JsonSerializable(typeof(ToolFinishedLine))]
[JsonSerializable(typeof(TurnCompletedLine))]
[JsonSerializable(typeof(TurnFailedLine))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
