namespace Orchestrator.Emulator;

/// <summary>
/// One <c>POST /v1/responses</c> as a session of its own: the same admission, faults, generation and streaming as a
/// <c>response.create</c> on a WebSocket, written to an <see cref="HttpEventSink"/>. The session starts with an empty
/// connection-local cache and ends with its request, so over HTTP a <c>previous_response_id</c> continues only a stored
/// (<c>store=true</c>) response; a <c>store=false</c> one is <c>previous_response_not_found</c>, as on the real API.
/// </summary>
internal sealed partial class ConnectionSession
{
    public ConnectionSession(long id, HttpEventSink sink, EmulatorRuntime runtime, Action abort, CancellationToken requestAborted)
        : this(id, null, sink, TrafficTransport.Http, runtime, abort, requestAborted)
    {
    }

    /// <summary>Records the request, then runs it to its end; takes ownership of <paramref name="message"/>, parsed to a JSON object.</summary>
    public async Task ServeAsync(PooledMessage message)
    {
        try
        {
            Record("response.create", message.Length, message.Document!.RootElement);
            await EnqueueResponseAsync(message);
            await Task.WhenAll(_namedLanes.Values.Select(lane => lane.Tail).Append(_defaultLane.Tail));
        }
        finally
        {
            foreach (Lane lane in _namedLanes.Values.Append(_defaultLane))
            {
                lane.Dispose();
            }

            _lifetime.Dispose();
        }
    }
}
