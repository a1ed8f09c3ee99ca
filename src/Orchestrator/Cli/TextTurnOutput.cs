using Orchestrator.Messages.Conversations;

namespace Orchestrator.Cli;

/// <summary>Streams the assistant's text as it arrives and shows each tool call starting and finishing.</summary>
public sealed class TextTurnOutput(TextWriter output) : ITurnOutput
{
    private const int MaxShown = 100;
    private bool _midLine;

    public void Started(string conversationId, Uri endpoint, bool embeddedEmulator)
    {
        var where = embeddedEmulator ? $"embedded emulator at {endpoint}" : endpoint.ToString();
        output.WriteLine($"conversation {conversationId} · {where}");
    }

    public void Show(ConversationUpdate update)
    {
        switch (update)
        {
            case AssistantTextDelta delta:
                output.Write(delta.Delta);
                _midLine = !delta.Delta.EndsWith('\n');
                break;
            case ToolCallStarted started:
                Line($"  → {started.Name} {Shorten(started.Arguments)}");
                break;
            case ToolCallFinished finished:
                var mark = finished.IsError ? "✗" : "✓";
                Line($"  {mark} {finished.Name} ({finished.Duration.TotalMilliseconds:0} ms) {Shorten(finished.Output)}");
                break;
            case TurnCompleted completed:
                Line(Describe(completed.Stats));
                break;
        }
        output.Flush();
    }

    public static string Describe(TurnStats s) =>
        $"— {s.ModelResponses} model turns · {s.ToolCalls} tool calls · {s.BytesSent / 1024.0:0.0} KB sent " +
        $"({s.Continuations} continuations, {s.FullSends} full sends{(s.ChainResets > 0 ? $", {s.ChainResets} chain resets" : "")}) · {s.Elapsed.TotalSeconds:0.00} s";

    private void Line(string text)
    {
        if (_midLine) output.WriteLine();
        output.WriteLine(text);
        _midLine = false;
    }

    private static string Shorten(string text)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= MaxShown ? flat : flat[..(MaxShown - 1)] + "…";
    }
}
