namespace Orchestrator.Messages.Protocol;

/// <summary>The peer broke the wire protocol (a frame that is not a valid event).</summary>
public sealed class ProtocolException(string message, Exception? inner = null) : Exception(message, inner);
