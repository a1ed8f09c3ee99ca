using System.Text;

namespace Orchestrator.Emulator;

/// <summary>
/// <c>max_output_tokens</c> for the scripted model: output items are kept while they fit (tokens
/// estimated as UTF-8 bytes / 4, as everywhere in the emulator); a message that does not fit is cut
/// to what does, and anything after it is dropped. The response then ends <c>incomplete</c>.
/// </summary>
internal static class OutputLimit
{
    /// <returns>True when output was cut.</returns>
    public static bool Apply(List<ModelOutput> outputs, int? maxOutputTokens)
    {
        if (maxOutputTokens is not { } max)
        {
            return false;
        }

        long budget = (long)max * 4;
        for (int index = 0; index < outputs.Count; index++)
        {
            ModelOutput output = outputs[index];
            int bytes = Encoding.UTF8.GetByteCount(output.Text);
            if (bytes <= budget)
            {
                budget -= bytes;
                continue;
            }

            outputs.RemoveRange(index, outputs.Count - index);
            if (output.Kind == ModelOutputKind.Message && Cut(output.Text, budget) is { Length: > 0 } cut)
            {
                outputs.Add(ModelOutput.Message(cut));
            }

            return true;
        }

        return false;
    }

    /// <summary>The longest prefix of whole characters (surrogate pairs kept together) within <paramref name="budget"/> UTF-8 bytes.</summary>
    private static string Cut(string text, long budget)
    {
        int length = 0;
        long used = 0;
        while (length < text.Length)
        {
            int width = char.IsHighSurrogate(text[length]) && length + 1 < text.Length ? 2 : 1;
            int bytes = Encoding.UTF8.GetByteCount(text.AsSpan(length, width));
            if (used + bytes > budget)
            {
                break;
            }

            used += bytes;
            length += width;
        }

        return text[..length];
    }
}
