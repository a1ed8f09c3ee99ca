using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// Streams one response as the real server does: created, in_progress, then per output item its
/// added / delta… / done events, then completed (or incomplete, or failed). The model latency
/// (<see cref="LatencyModel"/>) is spent before the first output item, and the deltas are paced by a
/// <see cref="DeltaPacer"/>. Events are sent in batches that end where time passes (a latency) or the response ends,
/// so a zero-latency response leaves in one transport write. Injected faults act here too: a
/// malformed frame, a failed response, a connection dropped mid-stream, a response that hangs; over HTTP, a stream
/// cut after a number of events (<see cref="HttpEventSink"/>).
/// </summary>
internal sealed class ResponseStreamer(IEventSink sender, EmulatorOptions options, EmulatorCounters counters, Action dropConnection)
{
    private readonly LatencyModel _latency = new(options);

    private const int WordsPerTextDelta = 3;
    private const int CharsPerArgumentsDelta = 24;

    // Cut short on purpose: what a client sees when a frame is corrupted in transit.
    private static readonly byte[] MalformedFrame = """{"type":"response.output_text.delta","delta":"trunc"""u8.ToArray();

    /// <returns>The output items as context items, for the response cache; null when the response failed.</returns>
    /// <param name="beforeTerminal">Called just before the batch with the terminal event is sent.</param>
    /// <param name="steered">
    /// Whether steering input waits: checked before each message item, a safe output boundary, where the response then
    /// ends <c>incomplete</c> (reason <c>steered</c>) with the items streamed so far. Function calls are never cut off.
    /// </param>
    public async Task<ContextItem[]?> StreamAsync(ResponseState response, RequestFaults faults, EventBatch batch, Action beforeTerminal, CancellationToken cancellationToken, Func<bool>? steered = null)
    {
        sender.BeginResponse(faults);
        Write(batch, ResponseEvents.Created, response);
        if (!response.Request.Generate)
        {
            // generate:false prepares the context and ends at once: nothing to stream, an id to continue from.
            await HangIfAskedAsync(faults, batch, cancellationToken);
            await DropIfAskedAsync(faults, batch, cancellationToken);
            response.Status = ResponseStatus.Completed;
            Write(batch, ResponseEvents.CompletedType, response);
            beforeTerminal();
            await sender.SendAsync(batch, cancellationToken);
            return [];
        }

        Write(batch, ResponseEvents.InProgress, response);
        if (faults.MalformedFrame)
        {
            batch.AddRaw(MalformedFrame);
        }

        await HangIfAskedAsync(faults, batch, cancellationToken);
        await DelayAsync(_latency.ModelLatencyOf(faults.Number), batch, cancellationToken);
        if (faults.Error == InjectedError.ResponseFailed)
        {
            response.Status = ResponseStatus.Failed;
            response.Error = ProtocolError.ServerError();
            Write(batch, ResponseEvents.FailedType, response);
            beforeTerminal();
            await sender.SendAsync(batch, cancellationToken);
            return null;
        }

        var pacer = new DeltaPacer(options.TokensPerSecond, options.TokenLatency, Stopwatch.GetTimestamp());
        var items = new ContextItem[response.Outputs.Count];
        for (int index = 0; index < response.Outputs.Count; index++)
        {
            ModelOutput output = response.Outputs[index];
            if (output.Kind == ModelOutputKind.Message && steered?.Invoke() == true)
            {
                response.Steered = true;
                response.Outputs.RemoveRange(index, response.Outputs.Count - index);
                items = items[..index];
                break;
            }

            if (output.Kind == ModelOutputKind.Compaction && response.CompactedInBand)
            {
                ResponseEvents.WriteCompacting(batch.Json, response, index);
                batch.EndEvent();
            }

            ResponseEvents.WriteOutputItemAdded(batch.Json, response, index);
            batch.EndEvent();
            if (index == 0)
            {
                await DropIfAskedAsync(faults, batch, cancellationToken);
            }

            switch (output.Kind)
            {
                case ModelOutputKind.FunctionCall:
                    await StreamArgumentsAsync(response, index, batch, pacer, cancellationToken);
                    break;
                case ModelOutputKind.Message:
                    await StreamTextAsync(response, index, batch, pacer, cancellationToken);
                    break;
            }

            int bytes = ResponseEvents.WriteOutputItemDone(batch.Json, response, index);
            batch.EndEvent();
            items[index] = output.Kind switch
            {
                ModelOutputKind.FunctionCall => new ContextItem(ContextItemKind.FunctionCall, output.CallId, null, bytes),
                ModelOutputKind.Message => new ContextItem(ContextItemKind.OtherMessage, null, null, bytes),
                ModelOutputKind.Compaction => new ContextItem(ContextItemKind.Compaction, null, null, bytes, output.Compacted),
                _ => new ContextItem(ContextItemKind.Other, null, null, bytes),
            };
        }

        bool incomplete = response.CutShort || response.Steered;
        response.Status = incomplete ? ResponseStatus.Incomplete : ResponseStatus.Completed;
        Write(batch, incomplete ? ResponseEvents.IncompleteType : ResponseEvents.CompletedType, response);
        beforeTerminal();
        await sender.SendAsync(batch, cancellationToken);
        return items;
    }

    /// <summary>Output tokens estimated like input tokens: UTF-8 bytes of the generated text or arguments / 4.</summary>
    public static int EstimateOutputTokens(List<ModelOutput> outputs)
    {
        int bytes = 0;
        foreach (ModelOutput output in outputs)
        {
            bytes += Encoding.UTF8.GetByteCount(output.Text);
        }

        return Math.Max(1, (bytes + 3) / 4);
    }

    private static void Write(EventBatch batch, JsonEncodedText type, ResponseState response)
    {
        ResponseEvents.WriteResponseEvent(batch.Json, type, response);
        batch.EndEvent();
    }

    /// <summary>Sends what the client has been promised so far, then cuts the connection with no close frame.</summary>
    private async ValueTask DropIfAskedAsync(RequestFaults faults, EventBatch batch, CancellationToken cancellationToken)
    {
        if (!faults.Drop)
        {
            return;
        }

        await sender.SendAsync(batch, cancellationToken);
        dropConnection();
        throw new OperationCanceledException("Connection dropped by fault injection.");
    }

    /// <summary>
    /// Sends what the client has been promised so far, then waits for the connection to end: the socket stays open and
    /// nothing more comes for this response. The connection's end cancels the wait and releases the response.
    /// </summary>
    private async ValueTask HangIfAskedAsync(RequestFaults faults, EventBatch batch, CancellationToken cancellationToken)
    {
        if (!faults.Hang)
        {
            return;
        }

        // Counted before the events leave: a client that has seen them finds the hang counted.
        counters.HangStarted();
        try
        {
            await sender.SendAsync(batch, cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        finally
        {
            counters.HangReleased();
        }
    }

    private async ValueTask StreamTextAsync(ResponseState response, int index, EventBatch batch, DeltaPacer pacer, CancellationToken cancellationToken)
    {
        string text = response.Outputs[index].Text;
        ResponseEvents.WriteContentPart(batch.Json, response, index, done: false);
        batch.EndEvent();
        int start = 0;
        while (start < text.Length)
        {
            int end = EndOfWords(text, start, WordsPerTextDelta);
            await DelayAsync(pacer.WaitBeforeNext(Stopwatch.GetTimestamp()), batch, cancellationToken);
            ResponseEvents.WriteTextDelta(batch.Json, response, index, text.AsSpan(start, end - start));
            batch.EndEvent();
            start = end;
        }

        ResponseEvents.WriteTextDone(batch.Json, response, index);
        batch.EndEvent();
        ResponseEvents.WriteContentPart(batch.Json, response, index, done: true);
        batch.EndEvent();
    }

    private async ValueTask StreamArgumentsAsync(ResponseState response, int index, EventBatch batch, DeltaPacer pacer, CancellationToken cancellationToken)
    {
        string arguments = response.Outputs[index].Text;
        int start = 0;
        while (start < arguments.Length)
        {
            int end = Math.Min(arguments.Length, start + CharsPerArgumentsDelta);
            if (end < arguments.Length && char.IsHighSurrogate(arguments[end - 1]))
            {
                // Never split a surrogate pair: each delta must be valid text on its own.
                end++;
            }

            await DelayAsync(pacer.WaitBeforeNext(Stopwatch.GetTimestamp()), batch, cancellationToken);
            ResponseEvents.WriteArgumentsDelta(batch.Json, response, index, arguments.AsSpan(start, end - start));
            batch.EndEvent();
            start = end;
        }

        ResponseEvents.WriteArgumentsDone(batch.Json, response, index);
        batch.EndEvent();
    }

    /// <summary>The end of the chunk holding <paramref name="words"/> words from <paramref name="start"/>, trailing space included.</summary>
    private static int EndOfWords(string text, int start, int words)
    {
        int position = start;
        for (int word = 0; word < words && position < text.Length; word++)
        {
            int space = text.IndexOf(' ', position);
            if (space < 0)
            {
                return text.Length;
            }

            position = space + 1;
        }

        return position;
    }

    /// <summary>Time passes: what was written so far goes out first, as a streaming server's would.</summary>
    private async ValueTask DelayAsync(TimeSpan delay, EventBatch batch, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        await sender.SendAsync(batch, cancellationToken);
        // At least the delay by the monotonic clock: Task.Delay runs on a coarser one and may return a millisecond early.
        long started = Stopwatch.GetTimestamp();
        TimeSpan left = delay;
        do
        {
            await Task.Delay(left < MinimumWait ? MinimumWait : left, cancellationToken);
            left = delay - Stopwatch.GetElapsedTime(started);
        }
        while (left > TimeSpan.Zero);
    }

    /// <summary>Task.Delay truncates to whole milliseconds: less than one would not wait at all.</summary>
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);
}
