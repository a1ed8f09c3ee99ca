using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Messages.Protocol;

/// <summary>
/// The client event <c>response.steer</c>: user messages queued into <see cref="PreviousResponseId"/> while it streams,
/// on the connection it streams on. It carries only these fields; the server answers with <c>response.steer.*</c>.
/// </summary>
public sealed record ResponseSteer(string PreviousResponseId, IReadOnlyList<Item> Input)
{
    [JsonPropertyOrder(-1)]
    public string Type => ClientEventTypes.ResponseSteer;

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, ProtocolJsonContext.Default.ResponseSteer);
}
