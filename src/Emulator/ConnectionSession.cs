using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// One client connection. Messages are read and answered one at a time, so a second
/// <c>response.create</c> waits until the first response has completed, as on the real server.
/// The connection-local cache holds only the latest response.
/// </summary>
internal sealed class ConnectionSession
{
    private const int InitialBufferBytes = 16 * 1024;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    private readonly WebSocket socket;
    private readonly EmulatorRuntime runtime;
    private readonly CancellationTokenSource lifetime;
    private readonly EventSender sender;
    private readonly ResponseStreamer streamer;
    private readonly TaskCompletionSource ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CachedResponse? latest;

    public ConnectionSession(long id, WebSocket socket, EmulatorRuntime runtime, CancellationToken requestAborted)
    {
        Id = id;
        this.socket = socket;
        this.runtime = runtime;
        lifetime = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        sender = new EventSender(socket);
        streamer = new ResponseStreamer(sender, runtime.Options);
    }

    public long Id { get; }

    public async Task RunAsync()
    {
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
            sender.Dispose();
            lifetime.Dispose();
            ended.TrySetResult();
        }
    }

    /// <summary>
    /// Closes the connection for server shutdown. The client gets <see cref="CloseTimeout"/> to answer
    /// the close (cutting it off earlier would reset the connection before it reads the close frame);
    /// a client that does not answer is cut off.
    /// </summary>
    public async Task ShutdownAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", timeout.Token);
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
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, lifetime.Token);
                    }

                    return;
                }

                length += result.Count;
                if (length > maxBytes)
                {
                    await SendErrorAsync(ProtocolError.MessageTooLarge(maxBytes));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too large", lifetime.Token);
                    return;
                }

                if (result.EndOfMessage)
                {
                    await HandleMessageAsync(buffer.AsMemory(0, length));
                    length = 0;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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

    private async Task HandleMessageAsync(ReadOnlyMemory<byte> message)
    {
        JsonDocument document;
        try
        {
            // The document reads the receive buffer in place; it is disposed before the buffer is reused.
            document = JsonDocument.Parse(message, DocumentOptions);
        }
        catch (JsonException)
        {
            Record(TrafficRecord.MalformedType, message.Length, default);
            await SendErrorAsync(ProtocolError.InvalidJson());
            return;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Record(TrafficRecord.MalformedType, message.Length, default);
                await SendErrorAsync(ProtocolError.InvalidJson());
                return;
            }

            string? type = root.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String
                ? typeElement.GetString()
                : null;
            Record(type ?? TrafficRecord.MissingType, message.Length, root);
            switch (type)
            {
                case null:
                    await SendErrorAsync(ProtocolError.MissingParameter("type"));
                    break;
                case "response.create":
                    await CreateResponseAsync(root);
                    break;
                default:
                    await SendErrorAsync(ProtocolError.UnknownEventType(type));
                    break;
            }
        }
    }

    private async Task CreateResponseAsync(JsonElement root)
    {
        runtime.Counters.RequestReceived();
        if (!ResponseCreateParser.TryParse(root, out ResponseCreateRequest? request, out ProtocolError? error))
        {
            await SendErrorAsync(error!);
            return;
        }

        CachedResponse? previous = null;
        if (request!.PreviousResponseId is { } previousId)
        {
            previous = latest?.Id == previousId ? latest : runtime.Store.Find(previousId);
            if (previous is null)
            {
                runtime.Counters.PreviousResponseMissing();
                await SendErrorAsync(ProtocolError.PreviousResponseNotFound(previousId));
                return;
            }

            runtime.Counters.ContinuationServed();
        }
        else
        {
            runtime.Counters.FullSendServed();
        }

        List<ContextItem[]> segments = CollectSegments(previous, request.Input);
        List<ModelOutput> outputs = ScriptedModel.Respond(segments, request.FunctionTools);
        long cachedBytes = previous?.ContextBytes ?? 0;
        long contextBytes = cachedBytes + SumBytes(request.Input) + InstructionBytes(request);
        var response = new ResponseState(request, outputs)
        {
            InputTokens = (int)Math.Min(int.MaxValue, (contextBytes + 3) / 4),
            CachedTokens = (int)Math.Min(int.MaxValue, cachedBytes / 4),
            OutputTokens = ResponseStreamer.EstimateOutputTokens(outputs),
        };

        ContextItem[] outputItems = await streamer.StreamAsync(response, lifetime.Token);
        var cached = new CachedResponse(response.Id, previous, [.. request.Input, .. outputItems]);
        latest = cached;
        if (request.Store)
        {
            runtime.Store.Add(cached);
        }
    }

    /// <summary>The context in order: the cached chain from its root, then this request's input.</summary>
    private static List<ContextItem[]> CollectSegments(CachedResponse? previous, ContextItem[] input)
    {
        var segments = new List<ContextItem[]>();
        for (CachedResponse? node = previous; node is not null; node = node.Parent)
        {
            segments.Add(node.Items);
        }

        segments.Reverse();
        segments.Add(input);
        return segments;
    }

    private static long SumBytes(ContextItem[] items)
    {
        long sum = 0;
        foreach (ContextItem item in items)
        {
            sum += item.Bytes;
        }

        return sum;
    }

    private static int InstructionBytes(ResponseCreateRequest request) =>
        request.Instructions.ValueKind == JsonValueKind.Undefined ? 0 : System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(request.Instructions).Length;

    private async Task SendErrorAsync(ProtocolError error)
    {
        runtime.Counters.ErrorSent();
        ResponseEvents.WriteError(sender.Json, error);
        await sender.SendAsync(lifetime.Token);
    }

    private async Task TryReportServerErrorAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            runtime.Counters.ErrorSent();
            ResponseEvents.WriteError(sender.Json, ProtocolError.ServerError());
            await sender.SendAsync(timeout.Token);
            await socket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "Server error", timeout.Token);
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
            !isObject || ResponseCreateParser.ReadStoreLeniently(root)));
    }
}
