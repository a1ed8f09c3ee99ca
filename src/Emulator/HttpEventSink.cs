using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Emulator;

/// <summary>
/// The events of one <c>POST /v1/responses</c>. An error before anything was sent becomes the HTTP status with a
/// <c>{"error":{…}}</c> body (and its <c>retry-after</c> headers), as the real API refuses a request. After that, with
/// <c>stream: true</c>, every event goes out as a Server-Sent Event (<c>event: TYPE</c>, <c>data: JSON</c>) and is
/// flushed with its batch; with <c>stream: false</c> the events are read, not sent, and <see cref="CompleteAsync"/>
/// answers with the terminal event's response object (or the HTTP error of an error event). One writer: the session
/// carries a single request.
/// </summary>
internal sealed class HttpEventSink(HttpContext context, bool streaming, EmulatorCounters counters) : IEventSink
{
    private static readonly byte[] EventField = "event: "u8.ToArray();
    private static readonly byte[] DataField = "\ndata: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    private bool _started;
    private bool _closed;
    private int _dropAfter;
    private int _sent;
    private byte[]? _responseObject;
    private byte[]? _errorEvent;

    public async ValueTask SendAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            if (batch.Count == 0)
            {
                return;
            }

            if (_closed)
            {
                throw new OperationCanceledException("The HTTP response has ended.");
            }

            if (!_started)
            {
                if (batch.Count == 1 && TypeOf(batch[0].Span).SequenceEqual("error"u8))
                {
                    // Refused before the response began: an HTTP error, nothing may follow it.
                    _closed = true;
                    await WriteHttpErrorAsync(batch[0], cancellationToken);
                    return;
                }

                _started = true;
                if (streaming)
                {
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = "text/event-stream";
                    context.Response.Headers.CacheControl = "no-cache";
                }
            }

            if (streaming)
            {
                await WriteEventsAsync(batch, cancellationToken);
            }
            else
            {
                ReadEvents(batch, cancellationToken);
            }
        }
        finally
        {
            batch.Clear();
        }
    }

    public Task CloseOutputAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        _closed = true;
        return Task.CompletedTask;
    }

    public void BeginResponse(RequestFaults faults) => _dropAfter = faults.DropHttpStreamAfter;

    /// <summary>With <c>stream: false</c>, once the session has ended: the response object, or the error, as the answer.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (streaming || context.Response.HasStarted)
        {
            return;
        }

        if (_errorEvent is not null)
        {
            await WriteHttpErrorAsync(_errorEvent, cancellationToken);
        }
        else if (_responseObject is not null)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(_responseObject, cancellationToken);
        }
    }

    private async Task WriteEventsAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        PipeWriter body = context.Response.BodyWriter;
        for (int index = 0; index < batch.Count; index++)
        {
            if (_dropAfter > 0 && _sent == _dropAfter)
            {
                await body.FlushAsync(cancellationToken);
                Cut();
            }

            ReadOnlySpan<byte> data = batch[index].Span;
            ReadOnlySpan<byte> type = TypeOf(data);
            if (!type.IsEmpty)
            {
                body.Write(EventField);
                body.Write(type);
                body.Write(DataField);
            }
            else
            {
                body.Write(DataField.AsSpan(1));
            }

            body.Write(data);
            body.Write(EventEnd);
            _sent++;
        }

        await body.FlushAsync(cancellationToken);
    }

    private void ReadEvents(EventBatch batch, CancellationToken cancellationToken)
    {
        for (int index = 0; index < batch.Count; index++)
        {
            if (_dropAfter > 0 && _sent == _dropAfter)
            {
                Cut();
            }

            ReadOnlySpan<byte> data = batch[index].Span;
            ReadOnlySpan<byte> type = TypeOf(data);
            if (type.SequenceEqual("error"u8))
            {
                _errorEvent = data.ToArray();
            }
            else if (type.SequenceEqual(ResponseEvents.CompletedType.EncodedUtf8Bytes)
                || type.SequenceEqual(ResponseEvents.IncompleteType.EncodedUtf8Bytes)
                || type.SequenceEqual(ResponseEvents.FailedType.EncodedUtf8Bytes))
            {
                using JsonDocument document = JsonDocument.Parse(batch[index]);
                _responseObject = Encoding.UTF8.GetBytes(document.RootElement.GetProperty("response").GetRawText());
            }

            _sent++;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Aborts the connection (what was flushed has gone out): no terminal event, no clean end of the body.</summary>
    private void Cut()
    {
        counters.FaultInjected();
        _closed = true;
        context.Abort();
        throw new OperationCanceledException("HTTP stream dropped by fault injection.");
    }

    private async Task WriteHttpErrorAsync(ReadOnlyMemory<byte> errorEvent, CancellationToken cancellationToken)
    {
        using JsonDocument document = JsonDocument.Parse(errorEvent);
        JsonElement root = document.RootElement;
        JsonElement error = root.GetProperty("error");
        if (error.TryGetProperty("headers", out JsonElement headers))
        {
            foreach (JsonProperty header in headers.EnumerateObject())
            {
                context.Response.Headers[header.Name] = header.Value.GetString();
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        await EmulatorEndpoint.WriteErrorAsync(
            context,
            root.GetProperty("status").GetInt32(),
            error.GetProperty("code").GetString()!,
            error.GetProperty("message").GetString()!,
            error.GetProperty("type").GetString()!,
            error.GetProperty("param").GetString());
    }

    /// <summary>The event's <c>type</c> as written (its first member, never escaped by the emulator); empty when it has none.</summary>
    private static ReadOnlySpan<byte> TypeOf(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock: false, state: default);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type"u8)
                && reader.Read() && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                ? reader.ValueSpan
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
