using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// The host's configuration keys under <c>Orchestrator</c> (appsettings.json, <c>ORCHESTRATOR__…</c> environment
/// variables, an embedding application's configuration) as a HOCON layer over <c>orchestrator.*</c>. A key's segments
/// name the settings in any spelling: <c>Connections:MaxSockets</c>, <c>connections:max-sockets</c> and the
/// environment variable <c>ORCHESTRATOR__CONNECTIONS__MAX_SOCKETS</c> are all <c>orchestrator.connections.max-sockets</c>.
/// </summary>
public static class ConfigurationLayer
{
    public const string Section = "Orchestrator";
    public const string EnvironmentPrefix = "ORCHESTRATOR__";

    /// <summary>What the CLI reads: <c>appsettings.json</c> in the working directory, then the environment variables.</summary>
    public static IConfiguration FromWorkingDirectory() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>The <c>Orchestrator</c> keys of <paramref name="configuration"/> as HOCON; a key that names no setting is a <see cref="ConfigurationException"/>.</summary>
    public static Config ToHocon(IConfiguration configuration)
    {
        var hocon = new StringBuilder();
        foreach (var (key, value) in configuration.GetSection(Section).AsEnumerable(makePathsRelative: true))
        {
            // Sections come with a null value; their keys follow.
            if (value is null) continue;
            var setting = Map(key.Split(':'))
                ?? throw KnownSettings.Unknown($"{KnownSettings.Root}.{string.Join('.', key.Split(':').Select(Kebab))}", Source(configuration, key));
            hocon.Append(setting).Append(" = ").AppendLine(value.ToHocon());
        }
        return ConfigurationFactory.ParseString(hocon.ToString());
    }

    /// <summary>The setting whose key segments are <paramref name="segments"/> in some spelling, or null.</summary>
    private static string? Map(string[] segments)
    {
        var path = KnownSettings.Root;
        foreach (var segment in segments)
        {
            var prefix = path + ".";
            var child = KnownSettings.Keys
                .Where(known => known.StartsWith(prefix, StringComparison.Ordinal))
                .Select(known => known[prefix.Length..].Split('.')[0])
                .FirstOrDefault(name => Spelling(name) == Spelling(segment));
            if (child is null) return null;
            path = prefix + child;
        }
        return KnownSettings.Keys.Contains(path) ? path : null;
    }

    private static string Spelling(string name) => name.Replace("-", "").Replace("_", "").ToLowerInvariant();

    /// <summary><c>MaxSockets</c> and <c>MAX_SOCKETS</c> as <c>max-sockets</c>, to name an unknown key the way the settings are named.</summary>
    private static string Kebab(string segment)
    {
        var kebab = new StringBuilder();
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (char.IsUpper(c) && i > 0 && char.IsLower(segment[i - 1])) kebab.Append('-');
            kebab.Append(c == '_' ? '-' : char.ToLowerInvariant(c));
        }
        return kebab.ToString();
    }

    /// <summary>Where <paramref name="key"/> (relative to <see cref="Section"/>) came from, the last provider that has it.</summary>
    private static string Source(IConfiguration configuration, string key)
    {
        var full = $"{Section}:{key}";
        var provider = (configuration as IConfigurationRoot)?.Providers.LastOrDefault(p => p.TryGet(full, out _));
        return provider switch
        {
            EnvironmentVariablesConfigurationProvider => $"environment variable {EnvironmentPrefix}{key.Replace(":", "__")}",
            FileConfigurationProvider file => $"key {full} of {file.Source.Path}",
            _ => $"configuration key {full}",
        };
    }
}
