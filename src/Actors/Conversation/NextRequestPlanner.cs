using Orchestrator.Actors.Connections;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Decides what the next <c>response.create</c> carries. The transport policy in one place:
/// <list type="bullet">
/// <item>Continuation (<c>previous_response_id</c> + only the unsent items) when the server still has the
/// chain: with <c>store=true</c> always, over either transport; with <c>store=false</c> only over a WebSocket whose
/// leased lane's connection-local cache holds exactly our last response.</item>
/// <item>Full send (the whole window, no previous id) otherwise: a new chain, a new process or connection,
/// a lane another conversation used since, after the server said <c>previous_response_not_found</c>, and every
/// request over HTTP with <c>store=false</c> (nothing is cached between two HTTP requests). A conversation that
/// changes transport is cold on arrival, as on a new socket.</item>
/// <item>Before the first response, a warm-up's response (<c>generate:false</c>: instructions and tools, no input)
/// heads the chain, on the same terms: the first request continues it with the whole window.</item>
/// </list>
/// </summary>
public static class NextRequestPlanner
{
    /// <param name="transport">The transport of the lease the request goes on.</param>
    public static RequestPlan Plan(ConversationState state, string? cachedResponseId, bool chainLost, string? warmUpResponseId = null, Transport transport = Transport.WebSocket)
    {
        var previous = state.LastResponseId ?? warmUpResponseId;
        var warm = previous is not null
                   && !chainLost
                   && (state.Settings?.Store == true || transport == Transport.WebSocket && cachedResponseId == previous)
                   && state.ChainLength < state.Window.Count;
        return warm
            ? new RequestPlan(SendKind.Continuation, previous, state.Unsent)
            : new RequestPlan(SendKind.Full, null, state.Window);
    }

    /// <summary>
    /// The warm-up request: the conversation's instructions and tools, no input, nothing generated. With prompt-cache
    /// options that ask for <c>prewarm</c>, it is a prewarm (which implies generating nothing) instead of <c>generate:false</c>.
    /// </summary>
    public static ResponseCreate WarmUp(Messages.Events.ConversationSettings settings, IReadOnlyList<FunctionTool> tools)
    {
        var request = new RequestPlan(SendKind.Full, null, []).ToRequest(settings, tools);
        return settings.PromptCache?.Prewarm == true ? request : request with { Generate = false };
    }
}

public enum SendKind
{
    Continuation,
    Full,
}

public sealed record RequestPlan(SendKind Kind, string? PreviousResponseId, IReadOnlyList<Item> Input)
{
    /// <summary>With <c>store=false</c> reasoning items are only resendable with their encrypted content, so ask for it.</summary>
    private static readonly IReadOnlyList<string> EncryptedReasoning = ["reasoning.encrypted_content"];

    public ResponseCreate ToRequest(Messages.Events.ConversationSettings settings, IReadOnlyList<FunctionTool> tools, ContextManagement? contextManagement = null) => new()
    {
        ContextManagement = contextManagement is null ? null : [contextManagement],
        Model = settings.Model,
        Instructions = settings.Instructions,
        Input = Input,
        Tools = tools.Count > 0 ? tools : null,
        PreviousResponseId = PreviousResponseId,
        Store = settings.Store,
        Include = settings.Store ? null : EncryptedReasoning,
        HostedTools = settings.Tools?.HostedTools is { Count: > 0 } hosted ? hosted : null,
        ToolChoice = settings.Tools?.ToolChoice,
        ParallelToolCalls = settings.Tools?.ParallelToolCalls,
        // Prewarm only fills the cache: a request that should answer carries the other options without it.
        PromptCacheOptions = settings.PromptCache is { Prewarm: true } options && Input.Count > 0 ? options with { Prewarm = null } : settings.PromptCache,
    };
}
