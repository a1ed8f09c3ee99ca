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
/// </summary>
internal sealed partial class ConnectionSession
{
    public const int MaxInFlight = 16;
    public const int MaxLanes = 32;

    private const int InitialBufferBytes = 16 * 1024;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    private readonly WebSocket socket;
    private readonly EmulatorRuntime runtime;
    private readonly CancellationTokenSource lifetime;
    private readonly EventSender sender;
    private readonly ResponseStreamer streamer;
    private readonly TaskCompletionSource ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lane defaultLane = new(null);
    private readonly Dictionary<string, Lane> namedLanes = new(StringComparer.Ordinal);
    private readonly ConnectionCache cache = new();
    private readonly ConcurrentDictionary<string, ActiveResponse> active = new(StringComparer.Ordinal);
    private readonly ResponseSlots slots = new(MaxInFlight);
    private int outstanding;
    private readonly int dropPoint;
    private int requestsReceived;

    public ConnectionSession(long id, WebSocket socket, GatedStream? transport, EmulatorRuntime runtime, Action abort, CancellationToken requestAborted)
    {
        Id = id;
        this.socket = socket;
        this.runtime = runtime;
        lifetime = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        sender = new EventSender(socket, transport);
        streamer = new ResponseStreamer(sender, runtime.Options, runtime.Counters, abort);
        dropPoint = runtime.Faults.DropPointOf(id);
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
            await lifetime.CancelAsync();
            await ageLimit;
            await Task.WhenAll(namedLanes.Values.Select(lane => lane.Tail).Append(defaultLane.Tail));
            foreach (Lane lane in namedLanes.Values.Append(defaultLane))
            {
                lane.Dispose();
            }

            lifetime.Dispose();
            ended.TrySetResult();
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
            await sender.CloseOutputAsync(status, description, timeout.Token);
            await ended.Task.WaitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already closing, broken, or the client did not answer in time; cancelling below ends the session either way.
        }

        try
        {
            await lifetime.CancelAsync();
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
        TimeSpan age = runtime.Options.MaxConnectionAge;
        try
        {
            await Task.Delay(age, lifetime.Token);
            runtime.Counters.ConnectionLimitReached();
            await SendErrorAsync(ProtocolError.ConnectionLimitReached(age), null);
            await sender.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "websocket_connection_limit_reached", lifetime.Token);
            await Task.Delay(CloseTimeout, lifetime.Token);
            await lifetime.CancelAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The connection ended (the client answered the close, or went away first).
        }
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            int maxBytes = runtime.Options.MaxMessageBytes;
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length, maxBytes);
                }

                ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(length), lifetime.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await sender.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, lifetime.Token);
                    }

                    return;
                }

                length += result.Count;
                if (length > maxBytes)
                {
                    await SendErrorAsync(ProtocolError.MessageTooLarge(maxBytes), null);
                    await sender.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too large", lifetime.Token);
                    await DrainUntilCloseAsync(buffer);
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
    private async Task DrainUntilCloseAsync(byte[] buffer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        timeout.CancelAfter(CloseTimeout);
        while ((await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token)).MessageType != WebSocketMessageType.Close)
        {
        }
    }

    /// <summary>A larger pooled buffer, at most one byte beyond the limit so that an oversized message is detected.</summary>
    private static byte[] Grow(byte[] buffer, int length, int maxBytes)
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
        runtime.Counters.ErrorSent();
        if (laneBatch is not null)
        {
            ResponseEvents.WriteError(laneBatch.Json, error, streamId);
            laneBatch.EndEvent();
            await sender.SendAsync(laneBatch, lifetime.Token);
            return;
        }

        using var batch = new EventBatch();
        ResponseEvents.WriteError(batch.Json, error, streamId);
        batch.EndEvent();
        await sender.SendAsync(batch, lifetime.Token);
    }

    private async Task TryReportServerErrorAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            runtime.Counters.ErrorSent();
            using var batch = new EventBatch();
            ResponseEvents.WriteError(batch.Json, ProtocolError.ServerError());
            batch.EndEvent();
            await sender.SendAsync(batch, timeout.Token);
            await sender.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "Server error", timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The socket is already unusable; the original exception is what matters.
        }
    }

    private void Record(string type, int bytes, JsonElement root)
    {
        if (!runtime.Traffic.Enabled)
        {
            return;
        }

        bool isObject = root.ValueKind == JsonValueKind.Object;
        runtime.Traffic.Record(new TrafficRecord(
            DateTimeOffset.UtcNow,
            Id,
            type,
            bytes,
            isObject ? ResponseCreateParser.ReadPreviousResponseIdLeniently(root) : null,
            isObject ? ResponseCreateParser.CountInputItemsLeniently(root) : 0,
            !isObject || ResponseCreateParser.ReadStoreLeniently(root),
            isObject ? ResponseCreateParser.ReadStreamIdLeniently(root) : null));
    }
}
