using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Emulator;

/// <summary>
/// <c>POST /v1/responses</c>: the HTTP transport. The body is a <c>response.create</c> without its <c>type</c>, plus
/// <c>stream</c>: true streams the events as Server-Sent Events, false (or absent) answers with the final response
/// object. Each request runs as a session of its own (<see cref="ConnectionSession.ServeAsync"/>), so the events,
/// errors and faults are the WebSocket path's; the body is bounded by <see cref="EmulatorOptions.MaxMessageBytes"/>.
/// </summary>
internal sealed class HttpResponsesEndpoint(EmulatorRuntime runtime)
{
    private const int InitialBufferBytes = 16 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        runtime.Counters.HttpRequestReceived();
        long id = runtime.NextConnectionId();
        PooledMessage? message = await ReadBodyAsync(context);
        if (message is null)
        {
            runtime.Traffic.Record(id, TrafficRecord.MalformedType, runtime.Options.MaxMessageBytes + 1, default, TrafficTransport.Http);
            await WriteAsync(context, ProtocolError.MessageTooLarge(runtime.Options.MaxMessageBytes));
            return;
        }

        JsonElement root;
        try
        {
            message.Document = JsonDocument.Parse(message.Memory, ConnectionSession.DocumentOptions);
            root = message.Document.RootElement;
        }
        catch (JsonException)
        {
            root = default;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            runtime.Traffic.Record(id, TrafficRecord.MalformedType, message.Length, default, TrafficTransport.Http);
            message.Dispose();
            await WriteAsync(context, ProtocolError.InvalidJson());
            return;
        }

        bool streaming;
        switch (root.TryGetProperty("stream", out JsonElement stream) ? stream.ValueKind : JsonValueKind.False)
        {
            case JsonValueKind.True:
                streaming = true;
                break;
            case JsonValueKind.False or JsonValueKind.Null:
                streaming = false;
                break;
            default:
                runtime.Traffic.Record(id, "response.create", message.Length, root, TrafficTransport.Http);
                message.Dispose();
                await WriteAsync(context, ProtocolError.InvalidType("stream", "a boolean"));
                return;
        }

        // Server shutdown ends a request that would otherwise outlive it (a hung response).
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, runtime.Stopping);
        var sink = new HttpEventSink(context, streaming, runtime.Counters);
        var session = new ConnectionSession(id, sink, runtime, context.Abort, lifetime.Token);
        await session.ServeAsync(message);
        try
        {
            await sink.CompleteAsync(lifetime.Token);
        }
        catch (OperationCanceledException)
        {
            // The client went away, or the server is stopping: nobody is left to answer.
        }
    }

    /// <summary>The body in a pooled buffer; null when it exceeds <see cref="EmulatorOptions.MaxMessageBytes"/>.</summary>
    private async Task<PooledMessage?> ReadBodyAsync(HttpContext context)
    {
        int maxBytes = runtime.Options.MaxMessageBytes;
        if (context.Request.ContentLength > maxBytes)
        {
            return null;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = ConnectionSession.Grow(buffer, length, maxBytes);
                }

                int read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0)
                {
                    return new PooledMessage(buffer.AsSpan(0, length));
                }

                length += read;
                if (length > maxBytes)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Task WriteAsync(HttpContext context, ProtocolError error) =>
        EmulatorEndpoint.WriteErrorAsync(context, error.Status, error.Code, error.Message, error.Type, error.Param);
}
