using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// One client connection. The receive loop reads client events in order and hands each
/// <c>response.create</c> to its <c>stream_id</c> lane: a lane runs its requests FIFO, lanes run
/// concurrently (at most <see cref="MaxInFlight"/> requests queued or running and
/// <see cref="MaxLanes"/> named lanes per connection, as on the real server). The connection-local
/// cache is each lane's latest response; any lane may continue from it. The connection ends
/// with <c>websocket_connection_limit_reached</c> when it reaches <see cref="EmulatorOptions.MaxConnectionAge"/>.
/// </summary>
internal sealed class ConnectionSession
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
    private readonly ConcurrentDictionary<string, CachedResponse> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ActiveResponse> active = new(StringComparer.Ordinal);
    private int inFlight;

    public ConnectionSession(long id, WebSocket socket, GatedStream? transport, EmulatorRuntime runtime, Action abort, CancellationToken requestAborted)
    {
        Id = id;
        this.socket = socket;
        this.runtime = runtime;
        lifetime = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        sender = new EventSender(socket, transport);
        streamer = new ResponseStreamer(sender, runtime.Options, abort);
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

    private async Task EnqueueResponseAsync(PooledMessage message)
    {
        runtime.Counters.RequestReceived();
        RequestFaults faults = runtime.Faults.NextRequest();
        JsonElement root = message.Document!.RootElement;
        if (!ResponseCreateParser.TryParse(root, runtime.Options.EmitReasoning, out ResponseCreateRequest? request, out ProtocolError? error))
        {
            string? streamId = ResponseCreateParser.ReadStreamIdLeniently(root);
            message.Dispose();
            await SendErrorAsync(error!, streamId);
            return;
        }

        if (!TryGetLane(request!.StreamId, out Lane? lane, out ProtocolError? limit))
        {
            message.Dispose();
            runtime.Counters.StreamLimitReached();
            await SendErrorAsync(limit!, request.StreamId);
            return;
        }

        Interlocked.Increment(ref inFlight);
        lane!.Tail = RunOnLaneAsync(lane, lane.Tail, request, faults, message);
    }

    private bool TryGetLane(string? streamId, out Lane? lane, out ProtocolError? error)
    {
        lane = null;
        error = null;
        if (Volatile.Read(ref inFlight) >= MaxInFlight)
        {
            error = ProtocolError.StreamLimitReached($"Too many responses in flight on this connection (at most {MaxInFlight}). Wait for one to finish.");
            return false;
        }

        if (streamId is null)
        {
            lane = defaultLane;
            return true;
        }

        if (namedLanes.TryGetValue(streamId, out lane))
        {
            return true;
        }

        if (namedLanes.Count >= MaxLanes)
        {
            error = ProtocolError.StreamLimitReached($"Too many stream_id lanes on this connection (at most {MaxLanes}). Open another connection.");
            return false;
        }

        lane = new Lane(streamId);
        namedLanes.Add(streamId, lane);
        return true;
    }

    private async Task RunOnLaneAsync(Lane lane, Task previous, ResponseCreateRequest request, RequestFaults faults, PooledMessage message)
    {
        try
        {
            await previous;
            await CreateResponseAsync(lane, request, faults);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The connection ended (or was dropped on purpose) while this response streamed.
        }
        catch (Exception)
        {
            // A bug in the emulator: report it on the connection and end it, as the receive loop does.
            await TryReportServerErrorAsync();
            await lifetime.CancelAsync();
        }
        finally
        {
            message.Dispose();
            Interlocked.Decrement(ref inFlight);
        }
    }

    private async Task CreateResponseAsync(Lane lane, ResponseCreateRequest request, RequestFaults faults)
    {
        if (faults.Error is { } injected && injected != InjectedError.ResponseFailed)
        {
            runtime.Counters.FaultInjected();
            await SendErrorAsync(InjectedErrorEvent(injected, request), request.StreamId, lane.Batch);
            return;
        }

        CachedResponse? previous = null;
        if (request.PreviousResponseId is { } previousId)
        {
            previous = cache.GetValueOrDefault(previousId) ?? runtime.Store.Find(previousId);
            if (previous is null)
            {
                runtime.Counters.PreviousResponseMissing();
                await SendErrorAsync(ProtocolError.PreviousResponseNotFound(previousId), request.StreamId, lane.Batch);
                return;
            }

            runtime.Counters.ContinuationServed();
        }
        else
        {
            runtime.Counters.FullSendServed();
        }

        if (lane.PendingSteerFor is { } steered && steered == request.PreviousResponseId)
        {
            // Steering input left queued behind tool calls goes first into the explicit continuation.
            request = request with { Input = [.. lane.PendingSteer, .. request.Input] };
        }

        lane.PendingSteer = [];
        lane.PendingSteerFor = null;
        if (faults.Drop || faults.MalformedFrame || faults.Error is not null)
        {
            runtime.Counters.FaultInjected();
        }

        await GenerateAsync(lane, request, previous, faults);
    }

    /// <summary>Generates, streams and caches one response; then commits any steering input it received.</summary>
    private async Task GenerateAsync(Lane lane, ResponseCreateRequest request, CachedResponse? previous, RequestFaults faults)
    {
        List<ContextItem[]> segments = CollectSegments(previous, request.Input);
        long cachedBytes = previous?.ContextBytes ?? 0;
        long contextBytes = cachedBytes + SumBytes(request.Input) + InstructionBytes(request);
        CompactedWindow? compacted = null;
        if (request.CompactThreshold is { } threshold && (contextBytes + 3) / 4 > threshold)
        {
            // Server-side compaction: the model sees, and the chain continues from, the compacted window.
            compacted = Compactor.Compact(segments);
            segments = [compacted.Items];
            runtime.Counters.Compacted();
        }

        List<ModelOutput> outputs = request.Generate ? ScriptedModel.Respond(segments, request.FunctionTools) : [];
        if (request.Generate && runtime.Options.EmitReasoning)
        {
            outputs.Insert(0, ModelOutput.Reasoning());
        }

        bool cutShort = OutputLimit.Apply(outputs, request.MaxOutputTokens);
        if (compacted is not null)
        {
            outputs.Insert(0, compacted.Compaction);
        }

        var response = new ResponseState(request, outputs)
        {
            InputTokens = (int)Math.Min(int.MaxValue, (contextBytes + 3) / 4),
            CachedTokens = (int)Math.Min(int.MaxValue, cachedBytes / 4),
            OutputTokens = request.Generate ? ResponseStreamer.EstimateOutputTokens(outputs) : 0,
            CutShort = cutShort,
            ReasoningTokens = outputs.Count > 0 && outputs[0].Kind == ModelOutputKind.Reasoning ? ResponseStreamer.EstimateOutputTokens([outputs[0]]) : 0,
        };

        var activeResponse = new ActiveResponse(response, lane);
        active[response.Id] = activeResponse;
        ContextItem[]? outputItems;
        try
        {
            outputItems = await streamer.StreamAsync(response, faults, lane.Batch, lifetime.Token);
        }
        finally
        {
            active.TryRemove(response.Id, out _);
        }

        List<(string Id, ContextItem[] Items)> steers = activeResponse.End();
        if (outputItems is null)
        {
            await FailSteersAsync(steers, response.Id, lane, "successor_creation_failed", "The steered response failed.");
            return;
        }

        CachedResponse cached = compacted is null
            ? new CachedResponse(response.Id, previous, [.. request.Input, .. outputItems])
            : new CachedResponse(response.Id, null, [.. compacted.Items[..^1], .. outputItems]);
        if (lane.Latest is { } replaced)
        {
            cache.TryRemove(replaced.Id, out _);
        }

        lane.Latest = cached;
        cache[cached.Id] = cached;
        if (request.Store)
        {
            runtime.Store.Add(cached);
        }

        if (steers.Count > 0)
        {
            await CommitSteersAsync(lane, request, cached, response, steers);
        }
    }

    /// <summary>
    /// Steering input queued during a response: when the response stopped for tool calls, it waits
    /// (<c>response.steer.pending</c>) for the client's explicit continuation; otherwise an automatic
    /// successor response continues from it with the queued input.
    /// </summary>
    private async Task CommitSteersAsync(Lane lane, ResponseCreateRequest request, CachedResponse cached, ResponseState response, List<(string Id, ContextItem[] Items)> steers)
    {
        ContextItem[] queued = [.. steers.SelectMany(steer => steer.Items)];
        string[] openCalls = [.. response.Outputs.Where(output => output.IsFunctionCall).Select(output => output.CallId!)];
        if (openCalls.Length > 0)
        {
            lane.PendingSteer = queued;
            lane.PendingSteerFor = response.Id;
            foreach ((string id, _) in steers)
            {
                ResponseEvents.WriteSteerEvent(lane.Batch.Json, "response.steer.pending", id, response.Id, response.NextSequenceNumber(), lane.StreamId, requiredCallIds: openCalls);
                lane.Batch.EndEvent();
            }

            await sender.SendAsync(lane.Batch, lifetime.Token);
            return;
        }

        ResponseCreateRequest successor = request with { Input = queued, PreviousResponseId = response.Id, Generate = true };
        await GenerateAsync(lane, successor, cached, default);
    }

    private async Task FailSteersAsync(List<(string Id, ContextItem[] Items)> steers, string responseId, Lane lane, string code, string message)
    {
        foreach ((string id, _) in steers)
        {
            ResponseEvents.WriteSteerEvent(lane.Batch.Json, "response.steer.failed", id, responseId, 0, lane.StreamId, ProtocolError.InvalidRequest(code, message, null));
            lane.Batch.EndEvent();
        }

        await sender.SendAsync(lane.Batch, lifetime.Token);
    }

    /// <summary><c>response.steer</c>: queue user input into a response still streaming on this connection.</summary>
    private async Task SteerAsync(JsonElement root)
    {
        string? target = ResponseCreateParser.ReadPreviousResponseIdLeniently(root);
        using var batch = new EventBatch();
        if (target is null)
        {
            await SendErrorAsync(ProtocolError.MissingParameter("previous_response_id"), null);
            return;
        }

        ProtocolError? failure = null;
        if (!ResponseCreateParser.TryReadInput(root, verifyReasoning: false, out ContextItem[]? items, out ProtocolError? inputError) || items!.Length == 0
            || items.Any(item => item.Kind != ContextItemKind.UserMessage))
        {
            failure = ProtocolError.InvalidRequest("invalid_input", inputError?.Message ?? "Steering accepts only non-empty user messages.", "input");
        }
        else if (!active.TryGetValue(target, out ActiveResponse? response))
        {
            failure = cache.ContainsKey(target)
                ? ProtocolError.InvalidRequest("response_already_completed", $"Response '{target}' already completed.", "previous_response_id")
                : ProtocolError.InvalidRequest("response_not_found", $"Response '{target}' is not available on this connection.", "previous_response_id");
        }
        else
        {
            string steerId = IdGenerator.Next("steer_");
            if (response.TryQueue(steerId, items))
            {
                runtime.Counters.SteerAccepted();
                ResponseEvents.WriteSteerEvent(batch.Json, "response.steer.accepted", steerId, target, response.State.NextSequenceNumber(), response.Lane.StreamId);
                batch.EndEvent();
                await sender.SendAsync(batch, lifetime.Token);
                return;
            }

            failure = ProtocolError.InvalidRequest("response_already_completed", $"Response '{target}' already completed.", "previous_response_id");
        }

        ResponseEvents.WriteSteerEvent(batch.Json, "response.steer.failed", null, target, 0, null, failure);
        batch.EndEvent();
        await sender.SendAsync(batch, lifetime.Token);
    }

    private ProtocolError InjectedErrorEvent(InjectedError error, ResponseCreateRequest request) => error switch
    {
        InjectedError.PreviousResponseNotFound => ProtocolError.PreviousResponseNotFound(request.PreviousResponseId ?? "resp_injected"),
        InjectedError.RateLimitExceeded => ProtocolError.RateLimitExceeded(runtime.Options.Faults.RetryAfter),
        _ => ProtocolError.ServerError(),
    };

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
