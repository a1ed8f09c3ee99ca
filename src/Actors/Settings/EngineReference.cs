using Akka.Configuration;

namespace Orchestrator.Actors.Settings;

/// <summary>
/// The engine's reference configuration: <c>hocon/engine.conf</c>, embedded in this assembly. It holds the default of
/// every <c>orchestrator.*</c> setting; the settings types bind from it and carry no defaults of their own.
/// </summary>
public static class EngineReference
{
    private const string ResourceName = "Orchestrator.engine.conf";

    /// <summary>The text of <c>engine.conf</c>, for hosts that layer it under their own files.</summary>
    public static string Text { get; } = Read();

    public static Config Config { get; } = ConfigurationFactory.ParseString(Text);

    /// <summary>A reader over <paramref name="path"/> of <paramref name="config"/>, completed by the reference where it lacks a key.</summary>
    public static SettingsReader Reader(Config config, string path) =>
        new(config.IsEmpty || ReferenceEquals(config, Config) ? Config.GetConfig(path) : config.WithFallback(Config).GetConfig(path), path);

    private static string Read()
    {
        using var stream = typeof(EngineReference).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing from {typeof(EngineReference).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
