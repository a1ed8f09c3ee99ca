using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Decides what the next <c>response.create</c> carries. The transport policy in one place:
/// <list type="bullet">
/// <item>Continuation (<c>previous_response_id</c> + only the unsent items) when the server still has the
/// chain: with <c>store=true</c> always; with <c>store=false</c> only when the leased lane's connection-local
/// cache holds exactly our last response.</item>
/// <item>Full send (the whole window, no previous id) otherwise: a new chain, a new process or connection,
/// a lane another conversation used since, or after the server said <c>previous_response_not_found</c>.</item>
/// </list>
/// </summary>
public static class NextRequestPlanner
{
    public static RequestPlan Plan(ConversationState state, string? cachedResponseId, bool chainLost)
    {
        var warm = state.LastResponseId is not null
                   && !chainLost
                   && (state.Settings?.Store == true || cachedResponseId == state.LastResponseId)
                   && state.ChainLength < state.Window.Count;
        return warm
            ? new RequestPlan(SendKind.Continuation, state.LastResponseId, state.Unsent)
            : new RequestPlan(SendKind.Full, null, state.Window);
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
    };
}
