using System.Net.Http.Headers;
using System.Text.Json;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// <c>POST /v1/responses/compact</c> on the HTTP side of the Responses endpoint: <c>{model, input, instructions}</c>
/// in, <c>{…, output:[…]}</c> out; the output (recent user messages plus a <c>compaction</c> item) is the new window.
/// </summary>
public sealed class HttpCompactor(HttpClient http, Uri responsesUrl, string? apiKey) : ICompactor
{
    public Uri CompactUrl { get; } = ToCompactUrl(responsesUrl);

    /// <summary><c>ws://host/v1/responses</c> → <c>http://host/v1/responses/compact</c> (wss → https).</summary>
    public static Uri ToCompactUrl(Uri responsesUrl) => new UriBuilder(responsesUrl)
    {
        Scheme = responsesUrl.Scheme == "wss" ? "https" : "http",
        Path = responsesUrl.AbsolutePath.TrimEnd('/') + "/compact",
        Port = responsesUrl.IsDefaultPort ? -1 : responsesUrl.Port,
    }.Uri;

    public async Task<IReadOnlyList<Item>> CompactAsync(ConversationSettings settings, IReadOnlyList<Item> window, CancellationToken cancellationToken)
    {
        var body = new CompactRequest(settings.Model, window, settings.Instructions);
        using var request = new HttpRequestMessage(HttpMethod.Post, CompactUrl)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, ProtocolJsonContext.Default.CompactRequest))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            },
        };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"compaction failed with {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))}");
        var result = JsonSerializer.Deserialize(bytes, ProtocolJsonContext.Default.CompactResponse)
                     ?? throw new JsonException("The compaction response is null.");
        return result.Output.Count > 0 ? result.Output : throw new JsonException("The compaction response has no output.");
    }
}
