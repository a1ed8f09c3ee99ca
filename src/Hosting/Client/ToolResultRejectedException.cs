using Orchestrator.Messages.Conversations;

namespace Orchestrator.Hosting.Client;

/// <summary>A tool result that was not recorded; <see cref="Code"/> is one of <see cref="ToolResultRejectionCodes"/>.</summary>
public sealed class ToolResultRejectedException(string callId, string code, string message) : Exception(message)
{
    public string CallId { get; } = callId;

    public string Code { get; } = code;
}
