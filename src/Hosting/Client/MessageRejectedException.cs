using Orchestrator.Messages.Conversations;

namespace Orchestrator.Hosting.Client;

/// <summary>
/// The conversation refused a message before persisting it. <see cref="Code"/> is one of
/// <see cref="MessageRejectionCodes"/>; the message names the bound and its setting. An <see cref="ArgumentException"/>,
/// as the message is what the caller must change (or send again later, for a full queue).
/// </summary>
public sealed class MessageRejectedException(string code, string reason) : ArgumentException(reason)
{
    public string Code { get; } = code;
}
