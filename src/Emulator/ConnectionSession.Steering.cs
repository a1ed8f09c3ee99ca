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
        foreach ((string id, ContextItem[] items) in steers)
        {
            ResponseEvents.WriteSteerEvent(lane.Batch.Json, "response.steer.failed", id, responseId, 0, lane.StreamId, ProtocolError.InvalidRequest(code, message, null), writeInput: json => WriteUserMessages(json, items));
            lane.Batch.EndEvent();
        }

        await _sender.SendAsync(lane.Batch, _lifetime.Token);
    }

    /// <summary>
    /// <c>response.steer</c>: queue user input into a response still streaming on this connection. Refused for a model
    /// listed in <see cref="EmulatorOptions.ModelsWithoutSteering"/> (<c>steering_not_supported</c>), a response that
    /// holds <see cref="ActiveResponse.MaxSteers"/> submissions (<c>too_many_pending_steers</c>), one that ended
    /// (<c>response_already_completed</c>), one that prepares without generating (<c>response_not_active</c>), or an
    /// unknown one (<c>response_not_found</c>). A failure on a known response echoes its lane's <c>stream_id</c>.
    /// </summary>
    private async Task SteerAsync(JsonElement root)
    {
        string? target = ResponseCreateParser.ReadPreviousResponseIdLeniently(root);
        using var batch = new EventBatch();
        if (target is null)
        {
            await SendErrorAsync(ProtocolError.MissingParameter("previous_response_id"), null);
            return;
        }

        ProtocolError? failure;
        string? streamId = null;
        _active.TryGetValue(target, out ActiveResponse? response);
        if (response is not null)
        {
            streamId = response.Lane.StreamId;
        }

        if (!ResponseCreateParser.TryReadInput(root, verifyReasoning: false, out ContextItem[]? items, out ProtocolError? inputError) || items!.Length == 0
            || items.Any(item => item.Kind != ContextItemKind.UserMessage))
        {
            failure = ProtocolError.InvalidRequest("invalid_input", inputError?.Message ?? "Steering accepts only non-empty user messages.", "input");
        }
        else if (response is null)
        {
            failure = _cache.Contains(target)
                ? ProtocolError.InvalidRequest("response_already_completed", $"Response '{target}' already completed.", "previous_response_id")
                : ProtocolError.InvalidRequest("response_not_found", $"Response '{target}' is not available on this connection.", "previous_response_id");
        }
        else if (_runtime.Options.ModelsWithoutSteering.Contains(response.State.Request.Model))
        {
            failure = ProtocolError.InvalidRequest("steering_not_supported", $"The model '{response.State.Request.Model}' does not support steering.", "previous_response_id");
        }
        else if (!response.State.Request.Generate)
        {
            failure = ProtocolError.InvalidRequest("response_not_active", $"Response '{target}' generates nothing to steer.", "previous_response_id");
        }
        else
        {
            string steerId = IdGenerator.Next("steer_");
            switch (response.TryQueue(steerId, items))
            {
                case SteerAdmission.Queued:
                    try
                    {
                        _runtime.Counters.SteerAccepted();
                        ResponseEvents.WriteSteerEvent(batch.Json, "response.steer.accepted", steerId, target, response.State.NextSequenceNumber(), streamId);
                        batch.EndEvent();
                        await _sender.SendAsync(batch, _lifetime.Token);
                    }
                    finally
                    {
                        response.Announced();
                    }

                    return;
                case SteerAdmission.TooMany:
                    failure = ProtocolError.InvalidRequest("too_many_pending_steers", $"Response '{target}' holds {ActiveResponse.MaxSteers} steering submissions already.", "input");
                    break;
                default:
                    failure = ProtocolError.InvalidRequest("response_already_completed", $"Response '{target}' already completed.", "previous_response_id");
                    break;
            }
        }

        _runtime.Counters.SteerFailed();
        ResponseEvents.WriteSteerEvent(batch.Json, "response.steer.failed", null, target, 0, streamId, failure, writeInput: json => WriteInputAsSent(json, root));
        batch.EndEvent();
        await _sender.SendAsync(batch, _lifetime.Token);
    }

    /// <summary>The refused submission's input as the client sent it (an empty list when it sent none).</summary>
    private static void WriteInputAsSent(Utf8JsonWriter json, JsonElement root)
    {
        if (root.TryGetProperty("input", out JsonElement input))
        {
            input.WriteTo(json);
            return;
        }

        json.WriteStartArray();
        json.WriteEndArray();
    }

    /// <summary>Accepted input returned uncommitted: its user messages, each with its text (the emulator keeps no item JSON).</summary>
    private static void WriteUserMessages(Utf8JsonWriter json, ContextItem[] items)
    {
        json.WriteStartArray();
        foreach (ContextItem item in items)
        {
            json.WriteStartObject();
            json.WriteString("type", "message");
            json.WriteString("role", "user");
            json.WriteString("content", item.UserText ?? string.Empty);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
