using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Tools.Mcp;

/// <summary>
/// The name under which the model sees an MCP tool: <c>{server}__{tool}</c>, within the Responses API's
/// <c>^[a-zA-Z0-9_-]{1,64}$</c>. Characters outside it become '_'; a name too long is cut and ends with a hash of the
/// tool's full name, so that two long names that share their start still differ.
/// </summary>
internal static class McpToolNames
{
    public const string Separator = "__";
    private const int MaxLength = 64;
    private const int HashLength = 8;

    public static string For(string server, string tool)
    {
        var name = new StringBuilder(server.Length + Separator.Length + tool.Length).Append(server).Append(Separator);
        foreach (var c in tool) name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        if (name.Length <= MaxLength) return name.ToString();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tool)))[..HashLength];
        return name.ToString(0, MaxLength - HashLength - 1) + "_" + hash;
    }
}
