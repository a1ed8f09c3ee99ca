using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// <c>response.steer</c> (a basic form of the real server's): user input queued into a response still
/// streaming on this connection. Accepted input waits until the response ends; then an automatic
/// successor response continues from it with that input, or, when the response stopped for tool
/// calls, the input stays pending (<c>response.steer.pending</c>) and goes first into the client's
/// explicit continuation on that lane.
/// </summary>
internal sealed partial class ConnectionSession
{
    /// <summary>
    /// Steering input queued during a response: when the response stopped for tool calls, it waits
    /// (<c>response.steer.pending</c>) for the client's explicit continuation; otherwise an automatic
    /// successor response continues from it with the queued input.
    /// </summary>
    private async Task CommitSteersAsync(Lane lane, ResponseCreateRequest request, CachedResponse cached, ResponseState response, List<(string Id, ContextItem[] Items)> steers)
    {
        ContextItem[] queued = [.. steers.SelectMany(steer => steer.Items)];
        string[] openCalls = [.. response.Outputs.Where(output => output.IsFunctionCall).Select(output => output.CallId!)];
        if (openCalls.Length > 0)
        {
            lane.PendingSteer = queued;
            lane.PendingSteerFor = response.Id;
            foreach ((string id, _) in steers)
            {
                ResponseEvents.WriteSteerEvent(lane.Batch.Json, "response.steer.pending", id, response.Id, response.NextSequenceNumber(), lane.StreamId, requiredCallIds: openCalls);
                lane.Batch.EndEvent();
            }

            await _sender.SendAsync(lane.Batch, _lifetime.Token);
            return;
        }

        ResponseCreateRequest successor = request with { Input = queued, PreviousResponseId = response.Id, Generate = true };
        // An automatic successor is the server's own doing: it takes no in-flight place of the client's.
        await GenerateAsync(lane, successor, cached, default, static () => { });
    }

    private async Task FailSteersAsync(List<(string Id, ContextItem[] Items)> steers, string responseId, Lane lane, string code, string message)
    {
        foreach ((string id, _) in steers)
        {
            ResponseEvents.WriteSteerEvent(lane.Batch.Json, "response.steer.failed", id, responseId, 0, lane.StreamId, ProtocolError.InvalidRequest(code, message, null));
            lane.Batch.EndEvent();
        }

        await _sender.SendAsync(lane.Batch, _lifetime.Token);
    }

    /// <summary><c>response.steer</c>: queue user input into a response still streaming on this connection.</summary>
    private async Task SteerAsync(JsonElement root)
    {
        string? target = ResponseCreateParser.ReadPreviousResponseIdLeniently(root);
        using var batch = new EventBatch();
        if (target is null)
        {
            await SendErrorAsync(ProtocolError.MissingParameter("previous_response_id"), null);
            return;
        }

        ProtocolError? failure = null;
        if (!ResponseCreateParser.TryReadInput(root, verifyReasoning: false, out ContextItem[]? items, out ProtocolError? inputError) || items!.Length == 0
            || items.Any(item => item.Kind != ContextItemKind.UserMessage))
        {
            failure = ProtocolError.InvalidRequest("invalid_input", inputError?.Message ?? "Steering accepts only non-empty user messages.", "input");
        }
        else if (!_active.TryGetValue(target, out ActiveResponse? response))
        {
            failure = _cache.Contains(target)
                ? ProtocolError.InvalidRequest("response_already_completed", $"Response '{target}' already completed.", "previous_response_id")
                : ProtocolError.InvalidRequest("response_not_found", $"Response '{target}' is not available on this connection.", "previous_response_id");
        }
        else
        {
            string steerId = IdGenerator.Next("steer_");
            if (response.TryQueue(steerId, items))
            {
                _runtime.Counters.SteerAccepted();
                ResponseEvents.WriteSteerEvent(batch.Json, "response.steer.accepted", steerId, target, response.State.NextSequenceNumber(), response.Lane.StreamId);
                batch.EndEvent();
                await _sender.SendAsync(batch, _lifetime.Token);
                return;
            }

            failure = ProtocolError.InvalidRequest("response_already_completed", $"Response '{target}' already completed.", "previous_response_id");
        }

        ResponseEvents.WriteSteerEvent(batch.Json, "response.steer.failed", null, target, 0, null, failure);
        batch.EndEvent();
        await _sender.SendAsync(batch, _lifetime.Token);
    }
}
