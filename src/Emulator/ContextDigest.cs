namespace Orchestrator.Emulator;

/// <summary>
/// What the scripted model reports about a context: every function call in it and how the client
/// answered them. <see cref="Outputs"/> counts output items (duplicates included) whose call id
/// belongs to a call in the context; <see cref="Missing"/> counts calls with no output;
/// <see cref="Duplicates"/> counts outputs beyond the first for a call.
/// </summary>
internal readonly record struct ContextDigest(int Calls, int Outputs, int Missing, int Duplicates)
{
    public static ContextDigest Of(IReadOnlyList<ContextItem[]> segments)
    {
        Dictionary<string, int> outputsByCall = OutputsByCall(segments, out int calls);
        int outputs = 0;
        int missing = 0;
        int duplicates = 0;
        foreach (int count in outputsByCall.Values)
        {
            outputs += count;
            missing += count == 0 ? 1 : 0;
            duplicates += Math.Max(0, count - 1);
        }

        return new ContextDigest(calls, outputs, missing, duplicates);
    }

    /// <summary>Each function call of the context (compacted ones included) with the number of outputs it got.</summary>
    public static Dictionary<string, int> OutputsByCall(IReadOnlyList<ContextItem[]> segments, out int calls)
    {
        calls = 0;
        var outputsByCall = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (ContextItem[] segment in segments)
        {
            foreach (ContextItem item in segment)
            {
                if (item.Compacted is { } compacted)
                {
                    // The compacted calls count as if they were still here, with the outputs they had.
                    foreach ((string callId, int count) in compacted.OutputsByCall)
                    {
                        calls++;
                        outputsByCall[callId] = outputsByCall.GetValueOrDefault(callId) + count;
                    }
                }
                else if (item.Kind == ContextItemKind.FunctionCall)
                {
                    calls++;
                    if (item.CallId is not null)
                    {
                        outputsByCall.TryAdd(item.CallId, 0);
                    }
                }
            }
        }

        foreach (ContextItem[] segment in segments)
        {
            foreach (ContextItem item in segment)
            {
                if (item.Kind == ContextItemKind.FunctionCallOutput && item.CallId is not null && outputsByCall.TryGetValue(item.CallId, out int outputs))
                {
                    outputsByCall[item.CallId] = outputs + 1;
                }
            }
        }

        return outputsByCall;
    }

    public override string ToString() => $"calls={Calls} outputs={Outputs} missing={Missing} duplicates={Duplicates}";
}
