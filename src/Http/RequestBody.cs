using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Http;

/// <summary>
/// Reads a JSON request body within the size and time limits, answering the client's mistakes with a problem that
/// says what is wrong (minimal APIs' own binding answers a bare 400 for malformed JSON). The content type is checked
/// before this by the routes' <c>Accepts</c> metadata (415, see <see cref="ApiProblems.Describe"/>).
/// </summary>
public static class RequestBody
{
    /// <summary>The body as <typeparamref name="T"/>; default with no problem when the body is empty and <paramref name="optional"/>.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, ApiOptions options, bool optional, CancellationToken cancellationToken)
    {
        var maxBytes = options.MaxRequestBytes;
        if (request.ContentLength > maxBytes) return (default, ApiProblems.TooLarge(maxBytes));
        using var buffer = new MemoryStream();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.BodyReadTimeout);
        try
        {
            await request.Body.CopyToAsync(buffer, timeout.Token);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, ApiProblems.TooLarge(maxBytes));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum data rate (orchestrator.api.min-request-body-rate).
            return (default, ApiProblems.SlowBody($"The request body arrived slower than {options.MinRequestBodyBytesPerSecond} bytes per second."));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (default, ApiProblems.SlowBody($"The request body did not arrive within {options.BodyReadTimeout.TotalSeconds:0.#} s."));
        }
        // Kestrel enforces the limit; a test server or another host may not.
        if (buffer.Length > maxBytes) return (default, ApiProblems.TooLarge(maxBytes));
        if (buffer.Length == 0)
            return optional ? (default, null) : (default, ApiProblems.BadRequest("The request needs a JSON body."));
        try
        {
            var value = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type);
            return value is null && !optional ? (default, ApiProblems.BadRequest("The request body is JSON null; send an object.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (default, ApiProblems.BadRequest($"The request body is not valid JSON for this endpoint: {e.Message}"));
        }
    }
}
