namespace Orchestrator.Emulator;

/// <summary>
/// The deterministic stand-in for a model (DESIGN.md §5). It reads only the context, so a chain
/// continued through <c>previous_response_id</c> and the same chain resent in full get the same answer.
/// </summary>
internal static class ScriptedModel
{
    private const int EchoLength = 80;

    /// <param name="segments">The context in order: the cached chain's segments, then this request's input.</param>
    public static List<ModelOutput> Respond(IReadOnlyList<ContextItem[]> segments, IReadOnlyList<FunctionTool> tools)
    {
        if (FindLatestUserMessage(segments) is not { } latestUser)
        {
            return [ModelOutput.Message("Hello from the Orchestrator emulator. Send a user message to get a reply.")];
        }

        string userText = segments[latestUser.segment][latestUser.index].UserText ?? string.Empty;

        if (!ToolDirective.TryParse(userText, out ToolDirective directive))
        {
            return [ModelOutput.Message(Echo(userText))];
        }

        (int rounds, int callsSinceUser) = CountRoundsAfter(segments, latestUser);
        // The digest walks the whole context, which grows with the conversation: only the final messages report it.
        if (tools.Count == 0)
        {
            return [ModelOutput.Message($"No function tools were declared, so no tool calls were made. {ContextDigest.Of(segments)}")];
        }

        if (rounds >= directive.Rounds)
        {
            return [ModelOutput.Message($"Done: ran {callsSinceUser} tool calls over {rounds} rounds. {ContextDigest.Of(segments)}")];
        }

        var calls = new List<ModelOutput>(directive.Calls);
        for (int i = 0; i < directive.Calls; i++)
        {
            FunctionTool tool = tools[i % tools.Count];
            // The call's index over the whole turn makes later rounds pick other sample values.
            int callIndex = rounds * directive.Calls + i;
            calls.Add(ModelOutput.FunctionCall(tool.Name, ArgumentGenerator.Generate(tool.Parameters, callIndex)));
        }

        return calls;
    }

    private static string Echo(string text)
    {
        ReadOnlySpan<char> trimmed = text.AsSpan().Trim();
        string excerpt = trimmed.Length <= EchoLength ? trimmed.ToString() : string.Concat(trimmed[..EchoLength], "…");
        return $"You said: \"{excerpt}\". This is a scripted reply from the Orchestrator emulator.";
    }

    public static (int segment, int index)? FindLatestUserMessage(IReadOnlyList<ContextItem[]> segments)
    {
        for (int s = segments.Count - 1; s >= 0; s--)
        {
            ContextItem[] items = segments[s];
            for (int i = items.Length - 1; i >= 0; i--)
            {
                if (items[i].Kind == ContextItemKind.UserMessage)
                {
                    return (s, i);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Rounds are runs of adjacent function calls (the parallel calls of one response), with other
    /// items such as reasoning allowed inside a run; the same count comes out of a resent full context.
    /// </summary>
    public static (int Rounds, int Calls) CountRoundsAfter(IReadOnlyList<ContextItem[]> segments, (int segment, int index) start)
    {
        int rounds = 0;
        int calls = 0;
        bool inRun = false;
        for (int s = start.segment; s < segments.Count; s++)
        {
            ContextItem[] items = segments[s];
            for (int i = s == start.segment ? start.index + 1 : 0; i < items.Length; i++)
            {
                switch (items[i].Kind)
                {
                    case ContextItemKind.FunctionCall:
                        calls++;
                        rounds += inRun ? 0 : 1;
                        inRun = true;
                        break;
                    case ContextItemKind.Compaction:
                        // The rounds a compaction replaced still count towards the directive.
                        rounds += items[i].Compacted?.RoundsAfterUser ?? 0;
                        calls += items[i].Compacted?.CallsAfterUser ?? 0;
                        inRun = false;
                        break;
                    case ContextItemKind.Other:
                        break;
                    default:
                        inRun = false;
                        break;
                }
            }
        }

        return (rounds, calls);
    }
}
