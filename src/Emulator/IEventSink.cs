using System.Net.WebSockets;

namespace Orchestrator.Emulator;

/// <summary>
/// Where a session's server events go: a WebSocket connection (<see cref="EventSender"/>) or one HTTP response
/// (<see cref="HttpEventSink"/>). The streamer and the session write through this, so both transports carry the same
/// events from the same code.
/// </summary>
internal interface IEventSink
{
    /// <summary>Sends the batch's events in order, then empties the batch.</summary>
    ValueTask SendAsync(EventBatch batch, CancellationToken cancellationToken);

    /// <summary>Ends the output: nothing may be sent after it (a close frame on a WebSocket, the end of the body over HTTP).</summary>
    Task CloseOutputAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken);

    /// <summary>A response starts streaming with these faults; a sink acts on the ones that belong to its transport.</summary>
    void BeginResponse(RequestFaults faults);
}
