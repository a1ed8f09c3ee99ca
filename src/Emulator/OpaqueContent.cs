using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Emulator;

/// <summary>
/// The emulator's stand-in for the real API's encrypted item content (<c>reasoning</c> and
/// <c>compaction</c> items): a readable payload plus a keyed checksum. The key is fixed, so content
/// stays valid across emulator restarts; the point is not secrecy but to catch a client that
/// alters an opaque item it should have carried through unchanged.
/// </summary>
internal static class OpaqueContent
{
    private const string Prefix = "emu1.";
    private static readonly byte[] Key = "orchestrator-emulator-opaque-content"u8.ToArray();

    public static string Seal(string kind, string payload)
    {
        string body = Convert.ToBase64String(Encoding.UTF8.GetBytes(kind + ":" + payload));
        return Prefix + body + "." + Checksum(body);
    }

    /// <summary>The payload when <paramref name="content"/> is intact content of <paramref name="kind"/>; else null.</summary>
    public static string? TryOpen(string kind, string content)
    {
        if (!content.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        int dot = content.LastIndexOf('.');
        if (dot <= Prefix.Length)
        {
            return null;
        }

        string body = content[Prefix.Length..dot];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Checksum(body)), Encoding.ASCII.GetBytes(content[(dot + 1)..])))
        {
            return null;
        }

        try
        {
            string text = Encoding.UTF8.GetString(Convert.FromBase64String(body));
            return text.StartsWith(kind + ":", StringComparison.Ordinal) ? text[(kind.Length + 1)..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Checksum(string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(body)).AsSpan(0, 12));
}
