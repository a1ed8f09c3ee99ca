using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// The JSON of each server event, shaped like the real server's (field names and order, item and
/// response objects), written with pre-encoded names.
/// </summary>
internal static class ResponseEvents
{
    public static readonly JsonEncodedText Created = JsonEncodedText.Encode("response.created");
    public static readonly JsonEncodedText InProgress = JsonEncodedText.Encode("response.in_progress");
    public static readonly JsonEncodedText CompletedType = JsonEncodedText.Encode("response.completed");
    public static readonly JsonEncodedText FailedType = JsonEncodedText.Encode("response.failed");
    public static readonly JsonEncodedText IncompleteType = JsonEncodedText.Encode("response.incomplete");

    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText SequenceNumber = JsonEncodedText.Encode("sequence_number");
    private static readonly JsonEncodedText Response = JsonEncodedText.Encode("response");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Item = JsonEncodedText.Encode("item");
    private static readonly JsonEncodedText ItemId = JsonEncodedText.Encode("item_id");
    private static readonly JsonEncodedText OutputIndex = JsonEncodedText.Encode("output_index");
    private static readonly JsonEncodedText ContentIndex = JsonEncodedText.Encode("content_index");
    private static readonly JsonEncodedText Delta = JsonEncodedText.Encode("delta");
    private static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText Arguments = JsonEncodedText.Encode("arguments");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText CallId = JsonEncodedText.Encode("call_id");
    private static readonly JsonEncodedText Part = JsonEncodedText.Encode("part");
    private static readonly JsonEncodedText Annotations = JsonEncodedText.Encode("annotations");
    private static readonly JsonEncodedText Logprobs = JsonEncodedText.Encode("logprobs");
    private static readonly JsonEncodedText Role = JsonEncodedText.Encode("role");
    private static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
    private static readonly JsonEncodedText Output = JsonEncodedText.Encode("output");
    private static readonly JsonEncodedText Usage = JsonEncodedText.Encode("usage");
    private static readonly JsonEncodedText Error = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText StreamId = JsonEncodedText.Encode("stream_id");
    private static readonly JsonEncodedText Summary = JsonEncodedText.Encode("summary");
    private static readonly JsonEncodedText EncryptedContent = JsonEncodedText.Encode("encrypted_content");

    private static readonly JsonEncodedText OutputItemAdded = JsonEncodedText.Encode("response.output_item.added");
    private static readonly JsonEncodedText OutputItemDone = JsonEncodedText.Encode("response.output_item.done");
    private static readonly JsonEncodedText ContentPartAdded = JsonEncodedText.Encode("response.content_part.added");
    private static readonly JsonEncodedText ContentPartDone = JsonEncodedText.Encode("response.content_part.done");
    private static readonly JsonEncodedText OutputTextDelta = JsonEncodedText.Encode("response.output_text.delta");
    private static readonly JsonEncodedText OutputTextDone = JsonEncodedText.Encode("response.output_text.done");
    private static readonly JsonEncodedText ArgumentsDelta = JsonEncodedText.Encode("response.function_call_arguments.delta");
    private static readonly JsonEncodedText ArgumentsDone = JsonEncodedText.Encode("response.function_call_arguments.done");
    private static readonly JsonEncodedText ErrorType = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText OutputText = JsonEncodedText.Encode("output_text");
    private static readonly JsonEncodedText MessageType = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText FunctionCallType = JsonEncodedText.Encode("function_call");
    private static readonly JsonEncodedText StatusInProgress = JsonEncodedText.Encode("in_progress");
    private static readonly JsonEncodedText StatusCompleted = JsonEncodedText.Encode("completed");
    private static readonly JsonEncodedText StatusFailed = JsonEncodedText.Encode("failed");
    private static readonly JsonEncodedText StatusIncomplete = JsonEncodedText.Encode("incomplete");
    private static readonly JsonEncodedText ReasoningType = JsonEncodedText.Encode("reasoning");
    private static readonly JsonEncodedText Assistant = JsonEncodedText.Encode("assistant");

    /// <summary><c>response.created</c>, <c>response.in_progress</c>, <c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>.</summary>
    public static void WriteResponseEvent(Utf8JsonWriter json, JsonEncodedText type, ResponseState response)
    {
        json.WriteStartObject();
        json.WriteString(Type, type);
        json.WritePropertyName(Response);
        WriteResponseObject(json, response);
        WriteTail(json, response);
        json.WriteEndObject();
    }

    public static void WriteOutputItemAdded(Utf8JsonWriter json, ResponseState response, int outputIndex)
    {
        json.WriteStartObject();
        json.WriteString(Type, OutputItemAdded);
        json.WriteNumber(OutputIndex, outputIndex);
        json.WritePropertyName(Item);
        WriteItem(json, response, response.Outputs[outputIndex], completed: false);
        WriteTail(json, response);
        json.WriteEndObject();
    }

    /// <summary><c>response.compaction.compacting</c>: the in-band compaction whose item comes at <paramref name="outputIndex"/>.</summary>
    public static void WriteCompacting(Utf8JsonWriter json, ResponseState response, int outputIndex)
    {
        json.WriteStartObject();
        json.WriteString(Type, "response.compaction.compacting");
        json.WriteString("item_id", response.Outputs[outputIndex].ItemId);
        json.WriteNumber(OutputIndex, outputIndex);
        WriteTail(json, response);
        json.WriteEndObject();
    }

    /// <summary>Writes <c>response.output_item.done</c>; returns the size of the item's JSON (its share of the context).</summary>
    public static int WriteOutputItemDone(Utf8JsonWriter json, ResponseState response, int outputIndex)
    {
        json.WriteStartObject();
        json.WriteString(Type, OutputItemDone);
        json.WriteNumber(OutputIndex, outputIndex);
        json.WritePropertyName(Item);
        long before = json.BytesCommitted + json.BytesPending;
        WriteItem(json, response, response.Outputs[outputIndex], completed: true);
        int itemBytes = (int)(json.BytesCommitted + json.BytesPending - before);
        WriteTail(json, response);
        json.WriteEndObject();
        return itemBytes;
    }

    public static void WriteContentPart(Utf8JsonWriter json, ResponseState response, int outputIndex, bool done)
    {
        ModelOutput message = response.Outputs[outputIndex];
        json.WriteStartObject();
        json.WriteString(Type, done ? ContentPartDone : ContentPartAdded);
        json.WriteString(ItemId, message.ItemId);
        json.WriteNumber(OutputIndex, outputIndex);
        json.WriteNumber(ContentIndex, 0);
        json.WritePropertyName(Part);
        WriteTextPart(json, done ? message.Text : string.Empty);
        WriteTail(json, response);
        json.WriteEndObject();
    }

    public static void WriteTextDelta(Utf8JsonWriter json, ResponseState response, int outputIndex, ReadOnlySpan<char> delta)
    {
        json.WriteStartObject();
        json.WriteString(Type, OutputTextDelta);
        json.WriteString(ItemId, response.Outputs[outputIndex].ItemId);
        json.WriteNumber(OutputIndex, outputIndex);
        json.WriteNumber(ContentIndex, 0);
        json.WriteString(Delta, delta);
        json.WriteStartArray(Logprobs);
        json.WriteEndArray();
        WriteTail(json, response);
        json.WriteEndObject();
    }

    public static void WriteTextDone(Utf8JsonWriter json, ResponseState response, int outputIndex)
    {
        ModelOutput message = response.Outputs[outputIndex];
        json.WriteStartObject();
        json.WriteString(Type, OutputTextDone);
        json.WriteString(ItemId, message.ItemId);
        json.WriteNumber(OutputIndex, outputIndex);
        json.WriteNumber(ContentIndex, 0);
        json.WriteString(Text, message.Text);
        json.WriteStartArray(Logprobs);
        json.WriteEndArray();
        WriteTail(json, response);
        json.WriteEndObject();
    }

    public static void WriteArgumentsDelta(Utf8JsonWriter json, ResponseState response, int outputIndex, ReadOnlySpan<char> delta)
    {
        json.WriteStartObject();
        json.WriteString(Type, ArgumentsDelta);
        json.WriteString(ItemId, response.Outputs[outputIndex].ItemId);
        json.WriteNumber(OutputIndex, outputIndex);
        json.WriteString(Delta, delta);
        WriteTail(json, response);
        json.WriteEndObject();
    }

    public static void WriteArgumentsDone(Utf8JsonWriter json, ResponseState response, int outputIndex)
    {
        ModelOutput call = response.Outputs[outputIndex];
        json.WriteStartObject();
        json.WriteString(Type, ArgumentsDone);
        json.WriteString(ItemId, call.ItemId);
        json.WriteNumber(OutputIndex, outputIndex);
        json.WriteString(Name, call.Name);
        json.WriteString(Arguments, call.Text);
        WriteTail(json, response);
        json.WriteEndObject();
    }

    /// <summary>
    /// An <c>error</c> event as the WebSocket protocol sends it: with the HTTP status, the lane of the
    /// request it answers, and HTTP-only details such as <c>retry-after</c> in <c>error.headers</c>.
    /// </summary>
    public static void WriteError(Utf8JsonWriter json, ProtocolError error, string? streamId = null)
    {
        json.WriteStartObject();
        json.WriteString(Type, ErrorType);
        json.WriteNumber(Status, error.Status);
        json.WriteStartObject(Error);
        json.WriteString(Type, error.Type);
        json.WriteString("code", error.Code);
        json.WriteString("message", error.Message);
        json.WriteString("param", error.Param);
        if (error.Headers is { Count: > 0 } headers)
        {
            json.WriteStartObject("headers");
            foreach ((string name, string value) in headers)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        if (streamId is not null)
        {
            json.WriteString(StreamId, streamId);
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// A <c>response.steer.*</c> event about one steering submission; a <c>response.steer.failed</c> one returns the
    /// uncommitted input (<paramref name="writeInput"/>) so that the client can carry it into its next request.
    /// </summary>
    public static void WriteSteerEvent(Utf8JsonWriter json, string type, string? steerId, string previousResponseId, int sequenceNumber, string? streamId, ProtocolError? error = null, IReadOnlyList<string>? requiredCallIds = null, Action<Utf8JsonWriter>? writeInput = null)
    {
        json.WriteStartObject();
        json.WriteString(Type, type);
        if (error is not null)
        {
            json.WriteStartObject(Error);
            json.WriteString("code", error.Code);
            json.WriteString("message", error.Message);
            json.WriteString(Type, error.Type);
            json.WriteEndObject();
        }

        if (requiredCallIds is not null)
        {
            json.WriteString("reason", "waiting_for_required_input");
            json.WriteStartArray("required_input");
            foreach (string callId in requiredCallIds)
            {
                json.WriteStartObject();
                json.WriteString(Type, "function_call_output");
                json.WriteString(CallId, callId);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteStartObject("steer");
        if (steerId is not null)
        {
            json.WriteString(Id, steerId);
        }

        json.WriteString("previous_response_id", previousResponseId);
        if (writeInput is not null)
        {
            json.WritePropertyName("input");
            writeInput(json);
        }

        json.WriteEndObject();
        json.WriteNumber(SequenceNumber, sequenceNumber);
        if (streamId is not null)
        {
            json.WriteString(StreamId, streamId);
        }

        json.WriteEndObject();
    }

    /// <summary>Every event of a response ends with its sequence number and, on a named lane, the lane's <c>stream_id</c>.</summary>
    private static void WriteTail(Utf8JsonWriter json, ResponseState response)
    {
        json.WriteNumber(SequenceNumber, response.NextSequenceNumber());
        if (response.Request.StreamId is { } streamId)
        {
            json.WriteString(StreamId, streamId);
        }
    }

    private static void WriteResponseObject(Utf8JsonWriter json, ResponseState response)
    {
        ResponseCreateRequest request = response.Request;
        json.WriteStartObject();
        json.WriteString(Id, response.Id);
        json.WriteString("object", "response");
        json.WriteNumber("created_at", response.CreatedAt);
        json.WriteString(Status, response.Status switch
        {
            ResponseStatus.Completed => StatusCompleted,
            ResponseStatus.Failed => StatusFailed,
            ResponseStatus.Incomplete => StatusIncomplete,
            _ => StatusInProgress,
        });
        json.WriteBoolean("background", false);
        if (response.Error is { } error)
        {
            json.WriteStartObject(Error);
            json.WriteString("code", error.Code);
            json.WriteString("message", error.Message);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull(Error);
        }

        if (response.Status == ResponseStatus.Incomplete)
        {
            json.WriteStartObject("incomplete_details");
            json.WriteString("reason", response.Steered ? "steered" : "max_output_tokens");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incomplete_details");
        }

        WriteRawOrNull(json, "instructions", request.Instructions);
        if (request.MaxOutputTokens is { } maxOutputTokens)
        {
            json.WriteNumber("max_output_tokens", maxOutputTokens);
        }
        else
        {
            json.WriteNull("max_output_tokens");
        }

        json.WriteString("model", request.Model);
        json.WriteStartArray(Output);
        if (response.Status is ResponseStatus.Completed or ResponseStatus.Incomplete)
        {
            foreach (ModelOutput output in response.Outputs)
            {
                WriteItem(json, response, output, completed: true);
            }
        }

        json.WriteEndArray();
        json.WriteBoolean("parallel_tool_calls", true);
        json.WriteString("previous_response_id", request.PreviousResponseId);
        json.WriteStartObject("reasoning");
        json.WriteNull("effort");
        json.WriteNull("summary");
        json.WriteEndObject();
        json.WriteBoolean("store", request.Store);
        json.WriteNumber("temperature", 1.0);
        json.WriteStartObject("text");
        json.WriteStartObject("format");
        json.WriteString(Type, "text");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteString("tool_choice", "auto");
        if (request.Tools.ValueKind == JsonValueKind.Array)
        {
            json.WritePropertyName("tools");
            request.Tools.WriteTo(json);
        }
        else
        {
            json.WriteStartArray("tools");
            json.WriteEndArray();
        }

        json.WriteNumber("top_p", 1.0);
        json.WriteString("truncation", "disabled");
        if (response.Status is ResponseStatus.Completed or ResponseStatus.Incomplete)
        {
            WriteUsage(json, response);
        }
        else
        {
            json.WriteNull(Usage);
        }

        json.WriteNull("user");
        if (request.Metadata.ValueKind == JsonValueKind.Object)
        {
            json.WritePropertyName("metadata");
            request.Metadata.WriteTo(json);
        }
        else
        {
            json.WriteStartObject("metadata");
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter json, ResponseState response)
    {
        json.WriteStartObject(Usage);
        json.WriteNumber("input_tokens", response.InputTokens);
        json.WriteStartObject("input_tokens_details");
        json.WriteNumber("cached_tokens", response.CachedTokens);
        json.WriteEndObject();
        json.WriteNumber("output_tokens", response.OutputTokens);
        json.WriteStartObject("output_tokens_details");
        json.WriteNumber("reasoning_tokens", response.ReasoningTokens);
        json.WriteEndObject();
        json.WriteNumber("total_tokens", response.InputTokens + response.OutputTokens);
        json.WriteEndObject();
    }

    private static void WriteItem(Utf8JsonWriter json, ResponseState response, ModelOutput output, bool completed)
    {
        json.WriteStartObject();
        json.WriteString(Id, output.ItemId);
        switch (output.Kind)
        {
            case ModelOutputKind.FunctionCall:
                json.WriteString(Type, FunctionCallType);
                json.WriteString(Status, completed ? StatusCompleted : StatusInProgress);
                json.WriteString(Arguments, completed ? output.Text : string.Empty);
                json.WriteString(CallId, output.CallId);
                json.WriteString(Name, output.Name);
                break;
            case ModelOutputKind.Compaction:
                json.WriteString(Type, "compaction");
                if (completed)
                {
                    json.WriteString(EncryptedContent, output.Text);
                }

                break;
            case ModelOutputKind.Hosted:
                foreach (JsonProperty field in output.Fields.EnumerateObject())
                {
                    field.WriteTo(json);
                }

                break;
            case ModelOutputKind.Reasoning:
                // As the real API: the opaque content only when the request's include asks for it.
                json.WriteString(Type, ReasoningType);
                json.WriteStartArray(Summary);
                json.WriteEndArray();
                if (completed && response.Request.IncludeEncryptedReasoning)
                {
                    json.WriteString(EncryptedContent, output.Text);
                }

                break;
            default:
                json.WriteString(Type, MessageType);
                json.WriteString(Status, completed ? StatusCompleted : StatusInProgress);
                json.WriteStartArray(Content);
                if (completed)
                {
                    WriteTextPart(json, output.Text);
                }

                json.WriteEndArray();
                json.WriteString(Role, Assistant);
                break;
        }

        json.WriteEndObject();
    }

    private static void WriteTextPart(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString(Type, OutputText);
        json.WriteStartArray(Annotations);
        json.WriteEndArray();
        json.WriteStartArray(Logprobs);
        json.WriteEndArray();
        json.WriteString(Text, text);
        json.WriteEndObject();
    }

    private static void WriteRawOrNull(Utf8JsonWriter json, string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            json.WriteNull(name);
            return;
        }

        json.WritePropertyName(name);
        value.WriteTo(json);
    }
}
