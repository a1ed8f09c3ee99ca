using System.Net.WebSockets;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// <c>response.create</c> on a connection: admission (the queue and lane limits), FIFO per lane, a running
/// place among <see cref="MaxInFlight"/>, injected errors, the connection-local cache (and the eviction of a parent whose continuation
/// got an error), compaction, generation and streaming.
/// </summary>
internal sealed partial class ConnectionSession
{
    private async Task EnqueueResponseAsync(PooledMessage message)
    {
        _runtime.Counters.RequestReceived();
        RequestFaults faults = _runtime.Faults.NextRequest();
        if (++_requestsReceived == _dropPoint) faults = faults with { Drop = true };
        JsonElement root = message.Document!.RootElement;
        if (!ResponseCreateParser.TryParse(root, _runtime.Options.EmitReasoning, out ResponseCreateRequest? request, out ProtocolError? error))
        {
            string? streamId = ResponseCreateParser.ReadStreamIdLeniently(root);
            string? previousId = ResponseCreateParser.ReadPreviousResponseIdLeniently(root);
            message.Dispose();
            await SendRequestErrorAsync(error!, previousId, streamId);
            return;
        }

        if (!TryGetLane(request!.StreamId, out Lane? lane, out ProtocolError? refusal))
        {
            message.Dispose();
            await SendRequestErrorAsync(refusal!, request.PreviousResponseId, request.StreamId);
            return;
        }

        Interlocked.Increment(ref _outstanding);
        var slot = new InFlightSlot(_slots, () => Interlocked.Decrement(ref _outstanding));
        lane!.Tail = RunOnLaneAsync(lane, lane.Tail, request, faults, message, slot);
    }

    /// <summary>The request's lane, or the refusal: too many requests waiting on the connection, or a lane too many.</summary>
    private bool TryGetLane(string? streamId, out Lane? lane, out ProtocolError? error)
    {
        lane = null;
        error = null;
        int maxQueued = _runtime.Options.MaxQueuedResponses;
        if (Volatile.Read(ref _outstanding) >= MaxInFlight + maxQueued)
        {
            _runtime.Counters.QueueLimitReached();
            error = ProtocolError.QueueLimitReached(MaxInFlight, maxQueued);
            return false;
        }

        if (streamId is null)
        {
            lane = _defaultLane;
            return true;
        }

        if (_namedLanes.TryGetValue(streamId, out lane))
        {
            return true;
        }

        if (_namedLanes.Count >= MaxLanes)
        {
            _runtime.Counters.StreamLimitReached();
            error = ProtocolError.StreamLimitReached($"Too many stream_id lanes on this connection (at most {MaxLanes}). Open another connection.");
            return false;
        }

        lane = new Lane(streamId);
        _namedLanes.Add(streamId, lane);
        return true;
    }

    private async Task RunOnLaneAsync(Lane lane, Task previous, ResponseCreateRequest request, RequestFaults faults, PooledMessage message, InFlightSlot slot)
    {
        try
        {
            await previous;
            await slot.AcquireAsync(_runtime.Counters.ResponseQueued, _runtime.Counters.ResponseDequeued, _lifetime.Token);

            await CreateResponseAsync(lane, request, faults, slot);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The connection ended (or was dropped on purpose) while this response waited or streamed.
        }
        catch (Exception)
        {
            // A bug in the emulator: report it on the connection and end it, as the receive loop does.
            await TryReportServerErrorAsync();
            await _lifetime.CancelAsync();
        }
        finally
        {
            message.Dispose();
            slot.Release();
        }
    }

    private async Task CreateResponseAsync(Lane lane, ResponseCreateRequest request, RequestFaults faults, InFlightSlot slot)
    {
        if (faults.Error is { } injected && injected != InjectedError.ResponseFailed)
        {
            _runtime.Counters.FaultInjected();
            slot.Release();
            await SendRequestErrorAsync(InjectedErrorEvent(injected, request), request.PreviousResponseId, request.StreamId, lane.Batch);
            return;
        }

        CachedResponse? previous = null;
        if (request.PreviousResponseId is { } previousId)
        {
            previous = _cache.Find(previousId) ?? _runtime.Store.Find(previousId);
            if (previous is null)
            {
                _runtime.Counters.PreviousResponseMissing();
                slot.Release();
                await SendErrorAsync(ProtocolError.PreviousResponseNotFound(previousId), request.StreamId, lane.Batch);
                return;
            }

            _runtime.Counters.ContinuationServed();
        }
        else
        {
            _runtime.Counters.FullSendServed();
        }

        if (lane.PendingSteerFor is { } steered && steered == request.PreviousResponseId)
        {
            // Steering input left queued behind tool calls joins the explicit continuation, after the tool output it waited for.
            request = request with { Input = [.. request.Input, .. lane.PendingSteer] };
        }

        lane.PendingSteer = [];
        lane.PendingSteerFor = null;
        if (faults.Drop || faults.MalformedFrame || faults.Hang || faults.Error is not null)
        {
            _runtime.Counters.FaultInjected();
        }

        await GenerateAsync(lane, request, previous, faults, slot.Release);
    }

    /// <summary>Generates, streams and caches one response; then commits any steering input it received.</summary>
    /// <param name="beforeTerminal">Called just before the response's terminal event is sent (releases its in-flight place).</param>
    private async Task GenerateAsync(Lane lane, ResponseCreateRequest request, CachedResponse? previous, RequestFaults faults, Action beforeTerminal)
    {
        bool inBand = request.Input.Length > 0 && request.Input[^1].Kind == ContextItemKind.CompactionTrigger;
        if (inBand)
        {
            request = request with { Input = request.Input[..^1] };
        }

        List<ContextItem[]> segments = CollectSegments(previous, request.Input);
        long cachedBytes = previous?.ContextBytes ?? 0;
        long contextBytes = cachedBytes + SumBytes(request.Input) + InstructionBytes(request);
        CompactedWindow? compacted = null;
        if (inBand || (request.CompactThreshold is { } threshold && (contextBytes + 3) / 4 > threshold))
        {
            // Server-side compaction: the model sees, and the chain continues from, the compacted window.
            compacted = Compactor.Compact(segments);
            segments = [compacted.Items];
            _runtime.Counters.Compacted();
        }

        List<ModelOutput> outputs = request.Generate ? ScriptedModel.Respond(segments, request.FunctionTools) : [];
        if (request.Generate)
        {
            HostedToolItems.Prepend(outputs, segments, request.Tools);
        }
        if (request.Generate && _runtime.Options.EmitReasoning)
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
            CompactedInBand = inBand,
            ReasoningTokens = outputs.Count > 0 && outputs[0].Kind == ModelOutputKind.Reasoning ? ResponseStreamer.EstimateOutputTokens([outputs[0]]) : 0,
        };

        void BeforeTerminal()
        {
            if (response.Status == ResponseStatus.Failed)
            {
                EvictParent(request.PreviousResponseId);
            }

            beforeTerminal();
        }

        var activeResponse = new ActiveResponse(response, lane);
        _active[response.Id] = activeResponse;
        ContextItem[]? outputItems;
        try
        {
            outputItems = await _streamer.StreamAsync(response, faults, lane.Batch, BeforeTerminal, _lifetime.Token, () => activeResponse.HasSteers);
        }
        finally
        {
            _active.TryRemove(response.Id, out _);
        }

        List<(string Id, ContextItem[] Items)> steers = await activeResponse.EndAsync();
        if (outputItems is null)
        {
            await FailSteersAsync(steers, response.Id, lane, "successor_creation_failed", "The steered response failed.");
            return;
        }

        CachedResponse cached = compacted is null
            ? new CachedResponse(response.Id, previous, [.. request.Input, .. outputItems])
            : new CachedResponse(response.Id, null, [.. compacted.Items[..^1], .. outputItems]);
        _cache.Remember(lane, cached);
        if (request.Store)
        {
            _runtime.Store.Add(cached);
        }

        if (steers.Count > 0)
        {
            await CommitSteersAsync(lane, request, cached, response, steers);
        }
    }

    /// <summary>
    /// An error answering a <c>response.create</c>. A continuation's parent is evicted first, as the real server drops it on
    /// any 4xx/5xx: a retry that names it again gets <c>previous_response_not_found</c> (unless it is stored).
    /// </summary>
    private Task SendRequestErrorAsync(ProtocolError error, string? previousResponseId, string? streamId, EventBatch? laneBatch = null)
    {
        EvictParent(previousResponseId);
        return SendErrorAsync(error, streamId, laneBatch);
    }

    private void EvictParent(string? previousResponseId)
    {
        if (previousResponseId is not null && _cache.Evict(previousResponseId))
        {
            _runtime.Counters.ParentEvicted();
        }
    }

    private ProtocolError InjectedErrorEvent(InjectedError error, ResponseCreateRequest request) => error switch
    {
        InjectedError.PreviousResponseNotFound => ProtocolError.PreviousResponseNotFound(request.PreviousResponseId ?? "resp_injected"),
        InjectedError.RateLimitExceeded => ProtocolError.RateLimitExceeded(_runtime.Options.Faults.RetryAfter),
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
}
