using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orchestrator.Load;

/// <summary>
/// Bench conversations through nodes' HTTP APIs, as a client behind a load balancer runs them: create the
/// conversation, open its event stream (Server-Sent Events), post the scenario's message, and read the stream until
/// the turn ends. Every request of a conversation goes to the one node given; sharding forwards it to the node that
/// owns the conversation. A request the node answers 503 or 504 (busy, or the conversation did not answer in time) is
/// sent again, as the API asks, at most <see cref="MaxAttempts"/> times: a create that had taken effect then answers
/// 409, a message the same Idempotency-Key.
/// </summary>
public sealed class ApiConversationDriver(HttpClient http)
{
    public const int MaxAttempts = 5;

    private long _retries;

    /// <summary>Requests sent again so far.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <returns>The model turns of a correct answer, or why the conversation failed.</returns>
    public async Task<TurnEnd> RunAsync(Uri node, string id, BenchScenario scenario, CancellationToken cancellationToken)
    {
        using (var created = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri(node, "/v1/conversations")) { Content = JsonContent.Create(new Dictionary<string, string> { ["id"] = id }) }, HttpCompletionOption.ResponseContentRead, cancellationToken))
        {
            var createdBefore = created.Attempts > 1 && created.Response.StatusCode == HttpStatusCode.Conflict;
            if (created.Response.StatusCode != HttpStatusCode.Created && !createdBefore)
                return TurnEnd.Failure($"{id}: create answered {(int)created.Response.StatusCode} {await created.Response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var stream = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(node, $"/v1/conversations/{id}/events")), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (stream.Response.StatusCode != HttpStatusCode.OK) return TurnEnd.Failure($"{id}: events answered {(int)stream.Response.StatusCode}");
        // The node sends the headers once the stream is subscribed: the message can be posted now without missing an event.
        using var reader = new StreamReader(await stream.Response.Content.ReadAsStreamAsync(cancellationToken));

        using (var accepted = await SendAsync(() => Message(node, id, scenario), HttpCompletionOption.ResponseContentRead, cancellationToken))
        {
            if (accepted.Response.StatusCode != HttpStatusCode.Accepted)
                return TurnEnd.Failure($"{id}: message answered {(int)accepted.Response.StatusCode} {await accepted.Response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        string? eventName = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) eventName = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && TurnEnd.From(id, eventName, line["data: ".Length..], scenario.ExpectedDigest) is { } end) return end;
        }
        return TurnEnd.Failure($"{id}: the event stream ended before the turn did");
    }

    private static HttpRequestMessage Message(Uri node, string id, BenchScenario scenario)
    {
        var post = new HttpRequestMessage(HttpMethod.Post, new Uri(node, $"/v1/conversations/{id}/messages")) { Content = JsonContent.Create(new Dictionary<string, string> { ["text"] = scenario.Message }) };
        post.Headers.Add("Idempotency-Key", $"m-{id}");
        return post;
    }

    /// <summary>Sends the request, and again while the node answers 503 or 504, after its Retry-After or a second.</summary>
    private async Task<Sent> SendAsync(Func<HttpRequestMessage> request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var message = request();
            var response = await http.SendAsync(message, completion, cancellationToken);
            if (attempt == MaxAttempts || response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)) return new Sent(response, attempt);
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            Interlocked.Increment(ref _retries);
            await Task.Delay(wait, cancellationToken);
        }
    }

    private sealed record Sent(HttpResponseMessage Response, int Attempts) : IDisposable
    {
        public void Dispose() => Response.Dispose();
    }
}

/// <summary>How a bench conversation's turn ended: its model turns when its answer carries the expected digest, else why not.</summary>
public sealed record TurnEnd(long Turns, string? Error)
{
    public bool Completed => Error is null;

    public static TurnEnd Failure(string error) => new(0, error);

    /// <summary>The end of the turn an SSE event shows, or null for an event that does not end it.</summary>
    /// <param name="eventName">The event's <c>event:</c> line (the update's type).</param>
    /// <param name="data">Its <c>data:</c> line: the update's JSON object.</param>
    public static TurnEnd? From(string id, string? eventName, string data, string expectedDigest)
    {
        switch (eventName)
        {
            case "turn.completed":
                var completed = JsonDocument.Parse(data).RootElement;
                var text = completed.GetProperty("text").GetString() ?? "";
                return text.Contains(expectedDigest, StringComparison.Ordinal)
                    ? new TurnEnd(completed.GetProperty("stats").GetProperty("model_turns").GetInt64(), null)
                    : Failure($"{id}: wrong digest in \"{text}\", expected {expectedDigest}");
            case "turn.failed":
                return Failure($"{id}: {JsonDocument.Parse(data).RootElement.GetProperty("reason").GetString()}");
            case "stream.reset":
                return Failure($"{id}: the node reset the event stream (it fell behind)");
            default:
                return null;
        }
    }
}
