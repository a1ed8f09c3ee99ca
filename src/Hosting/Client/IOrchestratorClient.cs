using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;

namespace Orchestrator.Hosting.Client;

/// <summary>
/// The engine as an embedding application sees it (registered by <c>services.AddOrchestratorClient()</c>).
/// Conversations live in the cluster's shard region: any node's client reaches any conversation.
/// </summary>
public interface IOrchestratorClient
{
    /// <summary>Creates a conversation and returns its id (a new one when <paramref name="conversationId"/> is null).</summary>
    /// <param name="model">The model for this conversation; null takes <c>orchestrator.model</c>.</param>
    /// <exception cref="InvalidOperationException">A conversation with that id exists already.</exception>
    Task<string> StartConversationAsync(string? conversationId = null, string? model = null, string? instructions = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a conversation with its own <paramref name="tools"/>: function tools this application runs (their calls
    /// arrive as <see cref="ToolResultRequired"/>; answer with <see cref="SubmitToolResultAsync"/>), hosted tools, tool
    /// choice and parallel tool calls.
    /// </summary>
    /// <exception cref="ConversationRejectedException">The node refuses the tools (a name clash, too many, …).</exception>
    Task<string> StartConversationAsync(string? conversationId, string? model, string? instructions, ConversationToolSettings tools, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the result of a call this application runs: <paramref name="output"/>, or <paramref name="failure"/> when it
    /// failed. Once per call: a repeat of the same result is acknowledged (Duplicate), another result is refused.
    /// </summary>
    /// <exception cref="ToolResultRejectedException">Unknown call id, another result recorded already, a call the node runs.</exception>
    Task<ToolResultAccepted> SubmitToolResultAsync(string conversationId, string callId, string? output, string? failure = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a user message and streams the turn: <see cref="AssistantTextDelta"/>, <see cref="ToolCallStarted"/>,
    /// <see cref="ToolResultRequired"/>, <see cref="ToolCallFinished"/>, ending with <see cref="TurnCompleted"/> or <see cref="TurnFailed"/>.
    /// A repeated <paramref name="idempotencyKey"/> yields nothing. A conversation that does not exist is created.
    /// </summary>
    IAsyncEnumerable<ConversationUpdate> SendAsync(string conversationId, string text, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Settings, status and transcript; null when there is no such conversation.</summary>
    Task<ConversationTranscript?> GetAsync(string conversationId, CancellationToken cancellationToken = default);

    /// <summary>Ends the open turn with <see cref="TurnFailed"/>; false when no turn was open.</summary>
    Task<bool> CancelTurnAsync(string conversationId, CancellationToken cancellationToken = default);
}
