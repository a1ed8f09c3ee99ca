namespace Orchestrator.Emulator;

internal enum ModelOutputKind
{
    Message,
    FunctionCall,
    Reasoning,
    Compaction,
    Hosted,
}

/// <summary>One output item the scripted model decided on, before it is streamed.</summary>
internal sealed class ModelOutput
{
    private ModelOutput(ModelOutputKind kind, string itemId, string text, string? name, string? callId, CompactionState? compacted = null)
    {
        Compacted = compacted;
        Kind = kind;
        ItemId = itemId;
        Text = text;
        Name = name;
        CallId = callId;
    }

    public ModelOutputKind Kind { get; }

    public string ItemId { get; }

    /// <summary>The message text, the function call's arguments (a JSON object as a string), or the reasoning's encrypted content.</summary>
    public string Text { get; }

    /// <summary>The function's name; null for other kinds.</summary>
    public string? Name { get; }

    public string? CallId { get; }

    /// <summary>For a compaction item: what it stands for.</summary>
    public CompactionState? Compacted { get; }

    /// <summary>For a hosted tool's item (<see cref="HostedToolItems"/>): its fields after the id, <c>type</c> first.</summary>
    public System.Text.Json.JsonElement Fields { get; private init; }

    public bool IsFunctionCall => Kind == ModelOutputKind.FunctionCall;

    public static ModelOutput Message(string text) => new(ModelOutputKind.Message, IdGenerator.Next("msg_"), text, null, null);

    public static ModelOutput FunctionCall(string name, string arguments) =>
        new(ModelOutputKind.FunctionCall, IdGenerator.Next("fc_"), arguments, name, IdGenerator.Next("call_"));

    public static ModelOutput Compaction(CompactionState state) =>
        new(ModelOutputKind.Compaction, IdGenerator.Next("cmp_"), state.Seal(), null, null, state);

    /// <summary>An item of a tool the server runs (web_search_call, mcp_call, …), written as <paramref name="fields"/>.</summary>
    public static ModelOutput Hosted(string idPrefix, System.Text.Json.JsonElement fields) =>
        new(ModelOutputKind.Hosted, IdGenerator.Next(idPrefix), string.Empty, null, null) { Fields = fields };

    /// <summary>A reasoning item; its opaque content is sealed so that a client's resend can be checked (<see cref="OpaqueContent"/>).</summary>
    public static ModelOutput Reasoning()
    {
        string id = IdGenerator.Next("rs_");
        return new(ModelOutputKind.Reasoning, id, OpaqueContent.Seal("reasoning", id), null, null);
    }
}
