namespace Orchestrator.Hosting.Configuration;

/// <summary>Bad configuration or input that the user can fix; its message is shown as the one-line error.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
