using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

/// <summary>A minimal client of <c>POST /v1/responses</c> over a real <see cref="HttpClient"/>, reading Server-Sent Events by hand.</summary>
internal sealed class HttpResponsesClient(EmulatorServer server, CancellationToken cancellationToken) : IDisposable
{
    private readonly HttpClient _http = new();

    public Uri Url { get; } = new(server.BaseUrl + "/responses");

    /// <summary>Posts the request with <c>stream: true</c>; the events up to the end of the stream.</summary>
    public async Task<ResponseResult> StreamAsync(JsonObject request)
    {
        using HttpResponseMessage response = await PostAsync(request, stream: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<JsonElement>();
        await foreach (JsonElement next in ReadEventsAsync(response))
        {
            events.Add(next);
        }

        return new ResponseResult(events);
    }

    /// <summary>Posts the request with <c>stream</c> set as given (left out when null), answered as it is.</summary>
    public async Task<HttpResponseMessage> PostAsync(JsonObject request, bool? stream)
    {
        JsonObject body = (JsonObject)request.DeepClone();
        body.Remove("type");
        if (stream is not null)
        {
            body["stream"] = stream.Value;
        }

        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var message = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        return await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>The events of an SSE body; each event's <c>event:</c> field must name its data's <c>type</c>.</summary>
    public async IAsyncEnumerable<JsonElement> ReadEventsAsync(HttpResponseMessage response)
    {
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                Assert.NotNull(data);
                using JsonDocument document = JsonDocument.Parse(data);
                Assert.Equal(document.RootElement.GetProperty("type").GetString(), name);
                yield return document.RootElement.Clone();
                (name, data) = (null, null);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        Assert.Null(data);
    }

    /// <summary>The <c>{"error":{…}}</c> body of a refused request.</summary>
    public async Task<JsonElement> ErrorOfAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.RootElement.GetProperty("error").Clone();
    }

    public void Dispose() => _http.Dispose();
}
