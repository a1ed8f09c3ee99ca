using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// An HTTP error answer to <c>POST /responses</c> (<c>{"error":{message,type,param,code}}</c> with its status) as the
/// <c>error</c> event a WebSocket would have carried, so that a conversation decides its retry (429 pause, 5xx
/// backoff, rejection) the same way whichever transport answered. The wait a 429 asks for comes from
/// <c>retry-after-ms</c> or <c>Retry-After</c>.
/// </summary>
public static class HttpErrorAnswer
{
    private const int MaxMessageChars = 300;

    public static ServerErrorEvent ToEvent(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter)
    {
        string? code = null, message = null, param = null, type = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                code = String(error, "code");
                message = String(error, "message");
                param = String(error, "param");
                type = String(error, "type");
            }
        }
        catch (JsonException)
        {
            // Not the API's shape (a proxy's page): its text is the message.
        }
        message ??= body.IsEmpty ? $"the endpoint answered {status}" : Truncate(Encoding.UTF8.GetString(body));
        return new ServerErrorEvent(-1, new ApiError(status, code, message, param, type) { RetryAfter = retryAfter });
    }

    /// <summary>The wait the answer asks for: <c>retry-after-ms</c> (exact), else <c>Retry-After</c> (seconds or a date).</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            return TimeSpan.FromMilliseconds(millis);
        return headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Truncate(string text) => text.Length <= MaxMessageChars ? text : text[..MaxMessageChars] + "…";
}
