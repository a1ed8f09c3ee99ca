using System.Text;

namespace Orchestrator.Tests.Support;

/// <summary>What a file holds, byte for byte: read while its writer keeps it open, as a node does its database.</summary>
public static class FileBytes
{
    /// <summary>Whether <paramref name="file"/> exists and holds <paramref name="text"/> as UTF-8 anywhere, free space included.</summary>
    public static bool Contain(string file, string text)
    {
        if (!File.Exists(file)) return false;
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }
}
