using System.Text;
using System.Text.Json;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Orchestrator.Actors.Settings;

namespace Orchestrator.Tools.Mcp;

/// <summary>
/// MCP servers in HOCON, read and written: under <c>servers</c>, one object per server named by its key, either
/// <c>{ command = "npx", arguments = ["-y", "pkg"], environment { KEY = "value" } }</c> (stdio) or
/// <c>{ url = "https://host/mcp", headers { Authorization = "VARIABLE" } }</c> (streamable HTTP, each header's value
/// read from the named environment variable).
/// </summary>
public static class McpServerConfig
{
    private static readonly HashSet<string> StdioKeys = ["command", "arguments", "environment"];
    private static readonly HashSet<string> HttpKeys = ["url", "headers"];

    /// <exception cref="SettingsException">A server is malformed.</exception>
    public static IReadOnlyList<McpServer> Read(Config config, string path)
    {
        var merged = config.IsEmpty ? EngineReference.Config : config.WithFallback(EngineReference.Config);
        if (!merged.HasPath(path)) return [];
        var servers = new List<McpServer>();
        foreach (var (name, value) in merged.GetValue(path).GetObject().Items)
        {
            var key = $"{path}.{name}";
            if (!value.IsObject()) throw new SettingsException($"{key} must be an object with command (stdio) or url (streamable HTTP).");
            var fields = value.GetObject().Items;
            try
            {
                servers.Add(fields.ContainsKey("command") ? Stdio(name, fields, key) : fields.ContainsKey("url") ? Http(name, fields, key)
                    : throw new SettingsException($"{key} has neither command (a stdio server) nor url (a streamable HTTP server)."));
            }
            catch (ArgumentException e)
            {
                throw new SettingsException($"{key}: {e.Message}", e);
            }
        }

        return servers;
    }

    /// <summary>The server as the HOCON lines that <see cref="Read"/> reads back, under <paramref name="path"/>.</summary>
    public static string Text(McpServer server, string path)
    {
        var text = new StringBuilder();
        var at = $"{path}.{server.Name}";
        switch (server)
        {
            case McpStdioServer stdio:
                text.Append(at).Append(".command = ").AppendLine(Quote(stdio.Command));
                text.Append(at).Append(".arguments = [").Append(string.Join(", ", (stdio.Arguments ?? []).Select(Quote))).AppendLine("]");
                foreach (var (name, value) in stdio.Environment ?? new Dictionary<string, string>())
                    text.Append(at).Append(".environment.").Append(Quote(name)).Append(" = ").AppendLine(Quote(value));
                break;
            case McpHttpServer http:
                text.Append(at).Append(".url = ").AppendLine(Quote(http.Url.ToString()));
                foreach (var (header, variable) in http.HeadersFromEnvironment ?? new Dictionary<string, string>())
                    text.Append(at).Append(".headers.").Append(Quote(header)).Append(" = ").AppendLine(Quote(variable));
                break;
        }

        return text.ToString();
    }

    internal static string Text(McpServer server) => Text(server, "");

    private static McpStdioServer Stdio(string name, IDictionary<string, HoconValue> fields, string key)
    {
        Only(fields, StdioKeys, key);
        var arguments = fields.TryGetValue("arguments", out var list) ? StringList(list, key + ".arguments") : [];
        var environment = fields.TryGetValue("environment", out var map) ? StringMap(map, key + ".environment") : new Dictionary<string, string>();
        return new McpStdioServer(name, fields["command"].GetString(), arguments, environment);
    }

    private static McpHttpServer Http(string name, IDictionary<string, HoconValue> fields, string key)
    {
        Only(fields, HttpKeys, key);
        var url = fields["url"].GetString();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new SettingsException($"{key}.url must be an absolute http or https URL, not '{url}'.");
        var headers = fields.TryGetValue("headers", out var map) ? StringMap(map, key + ".headers") : new Dictionary<string, string>();
        return new McpHttpServer(name, uri, headers);
    }

    private static void Only(IDictionary<string, HoconValue> fields, HashSet<string> allowed, string key)
    {
        if (fields.Keys.FirstOrDefault(field => !allowed.Contains(field)) is { } unknown)
            throw new SettingsException($"unknown setting {key}.{unknown}; a server has {string.Join(", ", allowed)}.");
    }

    private static List<string> StringList(HoconValue value, string key) =>
        value.IsArray() ? value.GetArray().Select(item => item.GetString()).ToList() : throw new SettingsException($"{key} must be a list of strings.");

    private static Dictionary<string, string> StringMap(HoconValue value, string key) =>
        value.IsObject()
            ? value.GetObject().Items.ToDictionary(item => item.Key, item => item.Value.GetString(), StringComparer.Ordinal)
            : throw new SettingsException($"{key} must be an object of names to strings.");

    // JSON string syntax is HOCON's quoted string syntax.
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
