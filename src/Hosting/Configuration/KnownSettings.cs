using Akka.Configuration;
using Akka.Configuration.Hocon;
using Orchestrator.Actors.Settings;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// The <c>orchestrator.*</c> settings there are: the leaf keys of the reference configuration. A key of an operator's
/// layer that is none of them is refused, naming the nearest one, so that a typo is not silently ignored.
/// </summary>
public static class KnownSettings
{
    public const string Root = "orchestrator";

    public static IReadOnlySet<string> Keys { get; } = LeavesOf(EngineReference.Config).ToHashSet(StringComparer.Ordinal);

    /// <summary>Sections whose keys are names the operator chooses (MCP servers); their content is checked where they are read.</summary>
    public static IReadOnlyList<string> OpenSections { get; } = ["orchestrator.tools.mcp.servers."];

    /// <summary>Refuses the first <c>orchestrator.*</c> key of <paramref name="layer"/> that is not a setting; <c>akka.*</c> keys are Akka's.</summary>
    public static void Check(Config layer, string source)
    {
        foreach (var key in LeavesOf(layer))
            if (!Keys.Contains(key) && !OpenSections.Any(section => key.StartsWith(section, StringComparison.Ordinal))) throw Unknown(key, source);
    }

    public static ConfigurationException Unknown(string key, string source) =>
        new($"unknown setting {key} ({source}); " + (Nearest(key) is { } near ? $"did you mean {near}?" : "hocon/engine.conf lists every setting."));

    /// <summary>The known key within a few edits of <paramref name="key"/>, if one is.</summary>
    public static string? Nearest(string key)
    {
        var (best, distance) = Keys.Select(known => (known, Distance(known, key))).MinBy(candidate => candidate.Item2);
        return distance <= Math.Max(2, key.Length / 8) ? best : null;
    }

    /// <summary>The full keys of the values under <c>orchestrator</c> in <paramref name="config"/>.</summary>
    public static IEnumerable<string> LeavesOf(Config config) => config.HasPath(Root) ? Leaves(config.GetValue(Root), Root) : [];

    private static IEnumerable<string> Leaves(HoconValue value, string path) =>
        value.IsObject() ? value.GetObject().Items.SelectMany(item => Leaves(item.Value, $"{path}.{item.Key}")) : [path];

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
