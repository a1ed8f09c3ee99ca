using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// One client connection. The receive loop reads client events in order and hands each
/// <c>response.create</c> to its <c>stream_id</c> lane: a lane runs its requests FIFO, lanes run
/// concurrently. As on the real server, at most <see cref="MaxInFlight"/> responses run at once per
/// connection (further requests wait for a place, FIFO: <see cref="ResponseSlots"/>) and at most
/// <see cref="MaxLanes"/> named lanes exist per connection; the emulator's own bound,
/// <see cref="EmulatorOptions.MaxQueuedResponses"/>, caps the requests waiting. The connection-local
/// cache (<see cref="ConnectionCache"/>) is each lane's latest response; any lane may continue from it; an error
/// answering a continuation evicts its parent. The connection ends
/// with <c>websocket_connection_limit_reached</c> when it reaches <see cref="EmulatorOptions.MaxConnectionAge"/>.
/// An HTTP request runs as a session of its own with no receive loop (ConnectionSession.Http.cs).
/// </summary>
internal sealed partial class ConnectionSession
{
    public const int MaxInFlight = 16;
    public const int MaxLanes = 32;

    private const int InitialBufferBytes = 16 * 1024;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);
    internal static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    // Null for an HTTP session (ConnectionSession.Http.cs), which never runs the receive loop.
    private readonly WebSocket? _socket;
    private readonly TrafficTransport _transport;
    private readonly EmulatorRuntime _runtime;
    private readonly CancellationTokenSource _lifetime;
    private readonly IEventSink _sender;
    private readonly ResponseStreamer _streamer;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lane _defaultLane = new(null);
    private readonly Dictionary<string, Lane> _namedLanes = new(StringComparer.Ordinal);
    private readonly ConnectionCache _cache = new();
    private readonly ConcurrentDictionary<string, ActiveResponse> _active = new(StringComparer.Ordinal);
    private readonly ResponseSlots _slots = new(MaxInFlight);
    private int _outstanding;
    private readonly int _dropPoint;
    private int _requestsReceived;

    public ConnectionSession(long id, WebSocket socket, GatedStream? transport, EmulatorRuntime runtime, Action abort, CancellationToken requestAborted)
        : this(id, socket, new EventSender(socket, transport), TrafficTransport.WebSocket, runtime, abort, requestAborted)
    {
    }

    private ConnectionSession(long id, WebSocket? socket, IEventSink sender, TrafficTransport transport, EmulatorRuntime runtime, Action abort, CancellationToken requestAborted)
    {
        Id = id;
        _socket = socket;
        _transport = transport;
        _runtime = runtime;
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        _sender = sender;
        _streamer = new ResponseStreamer(_sender, runtime.Options, runtime.Counters, abort);
        _dropPoint = runtime.Faults.DropPointOf(id);
    }

    public long Id { get; }

    public async Task RunAsync()
    {
        Task ageLimit = EndAtAgeLimitAsync();
        try
        {
            await ReceiveLoopAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The client went away or the server is shutting down: nothing left to answer.
        }
        catch (Exception)
        {
            // A bug in the emulator: tell the client as a real server would rather than drop the socket silently.
            await TryReportServerErrorAsync();
            throw;
        }
        finally
        {
            await _lifetime.CancelAsync();
            await ageLimit;
            await Task.WhenAll(_namedLanes.Values.Select(lane => lane.Tail).Append(_defaultLane.Tail));
            foreach (Lane lane in _namedLanes.Values.Append(_defaultLane))
            {
                lane.Dispose();
            }

            _lifetime.Dispose();
            _ended.TrySetResult();
        }
    }

    /// <summary>
    /// Closes the connection for server shutdown. The client gets <see cref="CloseTimeout"/> to answer
    /// the close (cutting it off earlier would reset the connection before it reads the close frame);
    /// a client that does not answer is cut off.
    /// </summary>
    public Task ShutdownAsync() => CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");

    private async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            await _sender.CloseOutputAsync(status, description, timeout.Token);
            await _ended.Task.WaitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already closing, broken, or the client did not answer in time; cancelling below ends the session either way.
        }

        try
        {
            await _lifetime.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The session already ended.
        }
    }

    /// <summary>
    /// At the age limit: the error event, then the close handshake; responses still streaming are cut
    /// off. The client gets <see cref="CloseTimeout"/> to answer the close before the connection is cut.
    /// </summary>
    private async Task EndAtAgeLimitAsync()
    {
        TimeSpan age = _runtime.Options.MaxConnectionAge;
        try
        {
            await Task.Delay(age, _lifetime.Token);
            _runtime.Counters.ConnectionLimitReached();
            await SendErrorAsync(ProtocolError.ConnectionLimitReached(age), null);
            await _sender.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "websocket_connection_limit_reached", _lifetime.Token);
            await Task.Delay(CloseTimeout, _lifetime.Token);
            await _lifetime.CancelAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The connection ended (the client answered the close, or went away first).
        }
    }

    private async Task ReceiveLoopAsync()
    {
        WebSocket socket = _socket ?? throw new InvalidOperationException("An HTTP session has no receive loop.");
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            int maxBytes = _runtime.Options.MaxMessageBytes;
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length, maxBytes);
                }

                ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(length), _lifetime.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await _sender.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, _lifetime.Token);
                    }

                    return;
                }

                length += result.Count;
                if (length > maxBytes)
                {
                    await SendErrorAsync(ProtocolError.MessageTooLarge(maxBytes), null);
                    await _sender.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too large", _lifetime.Token);
                    await DrainUntilCloseAsync(socket, buffer);
                    return;
                }

                if (result.EndOfMessage)
                {
                    // The request may wait on its lane while the receive buffer is reused: it gets its own copy.
                    await HandleMessageAsync(new PooledMessage(buffer.AsSpan(0, length)));
                    length = 0;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// After closing on a client's protocol error, read (and drop) what the client still sends until
    /// its close arrives, bounded by <see cref="CloseTimeout"/>: tearing the connection down with
    /// unread input would reset it, and the client could lose the error and the close frame.
    /// </summary>
    private async Task DrainUntilCloseAsync(WebSocket socket, byte[] buffer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        timeout.CancelAfter(CloseTimeout);
        while ((await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token)).MessageType != WebSocketMessageType.Close)
        {
        }
    }

    /// <summary>A larger pooled buffer, at most one byte beyond the limit so that an oversized message is detected.</summary>
    internal static byte[] Grow(byte[] buffer, int length, int maxBytes)
    {
        int size = (int)Math.Min(Math.Min((long)buffer.Length * 2, (long)maxBytes + 1), Array.MaxLength);
        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private async Task HandleMessageAsync(PooledMessage message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message.Memory, DocumentOptions);
        }
        catch (JsonException)
        {
            Record(TrafficRecord.MalformedType, message.Length, default);
            message.Dispose();
            await SendErrorAsync(ProtocolError.InvalidJson(), null);
            return;
        }

        message.Document = document;
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            Record(TrafficRecord.MalformedType, message.Length, default);
            message.Dispose();
            await SendErrorAsync(ProtocolError.InvalidJson(), null);
            return;
        }

        string? type = root.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String
            ? typeElement.GetString()
            : null;
        Record(type ?? TrafficRecord.MissingType, message.Length, root);
        switch (type)
        {
            case "response.create":
                await EnqueueResponseAsync(message);
                break;
            case "response.steer":
                await SteerAsync(root);
                message.Dispose();
                break;
            default:
                message.Dispose();
                await SendErrorAsync(type is null ? ProtocolError.MissingParameter("type") : ProtocolError.UnknownEventType(type), null);
                break;
        }
    }

    private async Task SendErrorAsync(ProtocolError error, string? streamId, EventBatch? laneBatch = null)
    {
        _runtime.Counters.ErrorSent();
        if (laneBatch is not null)
        {
            ResponseEvents.WriteError(laneBatch.Json, error, streamId);
            laneBatch.EndEvent();
            await _sender.SendAsync(laneBatch, _lifetime.Token);
            return;
        }

        using var batch = new EventBatch();
        ResponseEvents.WriteError(batch.Json, error, streamId);
        batch.EndEvent();
        await _sender.SendAsync(batch, _lifetime.Token);
    }

    private async Task TryReportServerErrorAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            _runtime.Counters.ErrorSent();
            using var batch = new EventBatch();
            ResponseEvents.WriteError(batch.Json, ProtocolError.ServerError());
            batch.EndEvent();
            await _sender.SendAsync(batch, timeout.Token);
            await _sender.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "Server error", timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The socket is already unusable; the original exception is what matters.
        }
    }

    private void Record(string type, int bytes, JsonElement root) => _runtime.Traffic.Record(Id, type, bytes, root, _transport);
}
