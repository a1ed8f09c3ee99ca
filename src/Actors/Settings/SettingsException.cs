namespace Orchestrator.Actors.Settings;

/// <summary>A setting that is missing, unknown or of the wrong type or range; the message names its full key.</summary>
public sealed class SettingsException(string message, Exception? inner = null) : Exception(message, inner);
