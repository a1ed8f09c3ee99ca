using System.Text;

namespace Orchestrator.Actors.Tools.Demo;

/// <summary>FNV-1a over the upper-cased, trimmed UTF-8 text: the same value in every process and runtime,
/// unlike <see cref="string.GetHashCode()"/>, so demo answers are reproducible; "paris" and " Paris" agree.</summary>
internal static class StableHash
{
    public static uint Of(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text.Trim().ToUpperInvariant()))
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}
