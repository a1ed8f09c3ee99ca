using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orchestrator.Load;

/// <summary>
/// One bench conversation through a node's HTTP API, as a client behind a load balancer runs it: create the
/// conversation, open its event stream (Server-Sent Events), post the scenario's message, and read the stream until
/// the turn ends. Every request goes to the one node given; sharding forwards it to the node that owns the conversation.
/// </summary>
public static class ApiConversationDriver
{
    /// <returns>The model turns of a correct answer, or why the conversation failed.</returns>
    public static async Task<TurnEnd> RunAsync(HttpClient http, Uri node, string id, BenchScenario scenario, CancellationToken cancellationToken)
    {
        using (var created = await http.PostAsJsonAsync(new Uri(node, "/v1/conversations"), new Dictionary<string, string> { ["id"] = id }, cancellationToken))
        {
            if (created.StatusCode != HttpStatusCode.Created) return TurnEnd.Failure($"{id}: create answered {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var stream = await http.GetAsync(new Uri(node, $"/v1/conversations/{id}/events"), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (stream.StatusCode != HttpStatusCode.OK) return TurnEnd.Failure($"{id}: events answered {(int)stream.StatusCode}");
        // The node sends the headers once the stream is subscribed: the message can be posted now without missing an event.
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cancellationToken));

        using (var post = new HttpRequestMessage(HttpMethod.Post, new Uri(node, $"/v1/conversations/{id}/messages")) { Content = JsonContent.Create(new Dictionary<string, string> { ["text"] = scenario.Message }) })
        {
            post.Headers.Add("Idempotency-Key", $"m-{id}");
            using var accepted = await http.SendAsync(post, cancellationToken);
            if (accepted.StatusCode != HttpStatusCode.Accepted) return TurnEnd.Failure($"{id}: message answered {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync(cancellationToken)}");
        }

        string? eventName = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) eventName = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && TurnEnd.From(id, eventName, line["data: ".Length..], scenario.ExpectedDigest) is { } end) return end;
        }
        return TurnEnd.Failure($"{id}: the event stream ended before the turn did");
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
