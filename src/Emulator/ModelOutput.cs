namespace Orchestrator.Emulator;

/// <summary>One output item the scripted model decided on, before it is streamed.</summary>
internal sealed class ModelOutput
{
    private ModelOutput(string itemId, string text, string? name, string? callId)
    {
        ItemId = itemId;
        Text = text;
        Name = name;
        CallId = callId;
    }

    public string ItemId { get; }

    /// <summary>The message text, or the function call's arguments (a JSON object as a string).</summary>
    public string Text { get; }

    /// <summary>The function's name; null for a message.</summary>
    public string? Name { get; }

    public string? CallId { get; }

    public bool IsFunctionCall => Name is not null;

    public static ModelOutput Message(string text) => new(IdGenerator.Next("msg_"), text, null, null);

    public static ModelOutput FunctionCall(string name, string arguments) =>
        new(IdGenerator.Next("fc_"), arguments, name, IdGenerator.Next("call_"));
}
