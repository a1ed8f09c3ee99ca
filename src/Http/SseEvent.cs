namespace Orchestrator.Http;

/// <summary>One Server-Sent Event: <c>id:</c> (resumable position), <c>event:</c> (the update's type) and one line of JSON <c>data:</c>.</summary>
public sealed record SseEvent(string? Id, string Event, string Data)
{
    /// <summary>The wire form; JSON from System.Text.Json never contains a raw newline, so one data line suffices.</summary>
    public string ToWire() => Id is null ? $"event: {Event}\ndata: {Data}\n\n" : $"id: {Id}\nevent: {Event}\ndata: {Data}\n\n";
}
