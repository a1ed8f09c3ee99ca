namespace Orchestrator.Hosting.Client;

/// <summary>The node refused to create a conversation with these settings (its tools, typically); the message says why.</summary>
public sealed class ConversationRejectedException(string message) : Exception(message);
