using System.Text;
using System.Text.Json;

namespace Orchestrator.Tests.Api;

/// <summary>A minimal Server-Sent Events reader, as a browser's EventSource parses the stream (id, event, data; ':' comments).</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public sealed record Event(string? Id, string Type, JsonElement Data)
    {
        public long Sequence => long.Parse(Id![(Id!.LastIndexOf('-') + 1)..]);
    }

    /// <summary>Connects and returns once the server confirmed the subscription (the response headers and the first comment arrived).</summary>
    public static async Task<SseClient> ConnectAsync(HttpClient http, Uri url, string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new HttpRequestException($"events: {(int)response.StatusCode} {body}");
        }
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        return new SseClient(response, reader);
    }

    public async Task<Event?> NextAsync(CancellationToken cancellationToken)
    {
        string? id = null, type = null;
        var data = new StringBuilder();
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (type is not null || data.Length > 0) return new Event(id, type ?? "message", JsonDocument.Parse(data.ToString()).RootElement.Clone());
                continue;
            }
            if (line.StartsWith(':')) continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Append(value); break;
            }
        }
        return null;
    }

    public async Task<IReadOnlyList<Event>> ReadUntilAsync(Func<Event, bool> last, CancellationToken cancellationToken)
    {
        var events = new List<Event>();
        while (await NextAsync(cancellationToken) is { } e)
        {
            events.Add(e);
            if (last(e)) return events;
        }
        throw new InvalidOperationException($"the stream ended after {events.Count} events without the expected one");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
