using System.Text.Json;
using System.Text.Json.Serialization;
using Orchestrator.Http;
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

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RunStartedLine))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
