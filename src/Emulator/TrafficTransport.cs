namespace Orchestrator.Emulator;

/// <summary>How a client event reached the emulator.</summary>
public enum TrafficTransport
{
    /// <summary>A message on a WebSocket connection to <c>/v1/responses</c>.</summary>
    WebSocket,

    /// <summary>The body of a <c>POST /v1/responses</c> (each request is a connection of its own in the record).</summary>
    Http,
}
