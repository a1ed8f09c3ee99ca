namespace Orchestrator.Emulator;

/// <summary>One client event as the emulator received it.</summary>
/// <param name="Type">The event's <c>type</c>; <see cref="MalformedType"/> when the message was not a JSON object, <see cref="MissingType"/> when it had no type.</param>
/// <param name="Bytes">Size of the whole message (all its frames) in bytes.</param>
/// <param name="InputItems">Number of input items; a string <c>input</c> counts as one.</param>
/// <param name="Store">The request's <c>store</c> flag (absent means true, as on the real API).</param>
/// <param name="StreamId">The request's <c>stream_id</c> lane; null for the default lane.</param>
/// <param name="Transport">WebSocket message or HTTP request; an HTTP request's <see cref="ConnectionId"/> is its own.</param>
public sealed record TrafficRecord(
    DateTimeOffset Time,
    long ConnectionId,
    string Type,
    int Bytes,
    string? PreviousResponseId,
    int InputItems,
    bool Store,
    string? StreamId = null,
    TrafficTransport Transport = TrafficTransport.WebSocket)
{
    public const string MalformedType = "(malformed)";
    public const string MissingType = "(missing)";
}
