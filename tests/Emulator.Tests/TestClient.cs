using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>A minimal Responses WebSocket client over a real <see cref="ClientWebSocket"/>.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly CancellationToken _cancellationToken;

    private TestClient(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        _socket = socket;
        _cancellationToken = cancellationToken;
    }

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<TestClient> ConnectAsync(EmulatorServer server, CancellationToken cancellationToken, string? apiKey = null)
    {
        var socket = new ClientWebSocket();
        if (apiKey is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
        }

        await socket.ConnectAsync(server.ResponsesUrl, cancellationToken);
        return new TestClient(socket, cancellationToken);
    }

    public Task SendAsync(JsonNode message) => SendTextAsync(message.ToJsonString());

    public async Task SendTextAsync(string text) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, _cancellationToken);

    /// <summary>Sends one message split over several frames.</summary>
    public async Task SendFragmentedAsync(string text, int frames)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        int size = (bytes.Length + frames - 1) / frames;
        for (int offset = 0; offset < bytes.Length; offset += size)
        {
            int count = Math.Min(size, bytes.Length - offset);
            await _socket.SendAsync(bytes.AsMemory(offset, count), WebSocketMessageType.Text, offset + count == bytes.Length, _cancellationToken);
        }
    }

    /// <summary>The next server event, or null when the server closed the connection (with a close frame).</summary>
    public async Task<JsonElement?> ReceiveEventAsync()
    {
        string? text = await ReceiveTextAsync();
        if (text is null)
        {
            return null;
        }

        using JsonDocument document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>The next server message as text (valid JSON or not), or null after the server's close frame.</summary>
    public async Task<string?> ReceiveTextAsync()
    {
        var message = new ArrayBufferWriter<byte>();
        while (true)
        {
            ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(message.GetMemory(8192), _cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await AnswerCloseAsync();
                return null;
            }

            message.Advance(result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.WrittenSpan);
            }
        }
    }

    /// <summary>
    /// Answers the server's close, as a well-behaved client does. The server may already have torn
    /// the connection down after its close frame (it owes the client no wait), so a failed answer is
    /// not an error: the close frame, already read, is what counts.
    /// </summary>
    private async Task AnswerCloseAsync()
    {
        if (_socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, _cancellationToken);
        }
        catch (WebSocketException)
        {
            // The server closed the transport first.
        }
    }

    /// <summary>Events up to and including <c>response.completed</c> or an <c>error</c>.</summary>
    public async Task<ResponseResult> ReceiveResponseAsync()
    {
        var events = new List<JsonElement>();
        while (true)
        {
            JsonElement next = await ReceiveEventAsync() ?? throw new InvalidOperationException("The server closed the connection mid-response.");
            events.Add(next);
            string type = next.GetProperty("type").GetString()!;
            if (type is "response.completed" or "response.failed" or "response.incomplete" or "error")
            {
                return new ResponseResult(events);
            }
        }
    }

    public async Task<ResponseResult> CreateAsync(JsonObject request)
    {
        await SendAsync(request);
        return await ReceiveResponseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, _cancellationToken);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The test already failed or the server went away; nothing to close.
            }
        }

        _socket.Dispose();
    }
}
