using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Hosting;
using Orchestrator.Hosting;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Events;

namespace Orchestrator.Hosting.Client;

/// <summary><see cref="IOrchestratorClient"/> over <see cref="ConversationClient"/>, once the shard region has started.</summary>
public sealed class OrchestratorClient(ActorSystem system, IRequiredActor<ConversationRegion> region, TimeSpan askTimeout) : IOrchestratorClient
{
    public async Task<string> StartConversationAsync(string? conversationId = null, string? model = null, string? instructions = null, CancellationToken cancellationToken = default)
    {
        var id = conversationId is null ? ConversationIds.New() : ConversationIds.Validate(conversationId);
        var created = await (await ClientAsync(cancellationToken)).CreateAsync(id, model, instructions, cancellationToken);
        return created.AlreadyExisted ? throw new InvalidOperationException($"A conversation '{id}' exists already.") : id;
    }

    public async Task<string> StartConversationAsync(string? conversationId, string? model, string? instructions, ConversationToolSettings tools, CancellationToken cancellationToken = default)
    {
        var id = conversationId is null ? ConversationIds.New() : ConversationIds.Validate(conversationId);
        var created = await (await ClientAsync(cancellationToken)).CreateAsync(id, model, instructions, tools, cancellationToken);
        return created.AlreadyExisted ? throw new InvalidOperationException($"A conversation '{id}' exists already.") : id;
    }

    public async Task<ToolResultAccepted> SubmitToolResultAsync(string conversationId, string callId, string? output, string? failure = null, CancellationToken cancellationToken = default) =>
        await (await ClientAsync(cancellationToken)).SubmitToolResultAsync(conversationId, callId, output, failure, cancellationToken);

    public async IAsyncEnumerable<ConversationUpdate> SendAsync(string conversationId, string text, string? idempotencyKey = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var client = await ClientAsync(cancellationToken);
        await foreach (var update in client.SendAsync(conversationId, text, idempotencyKey, cancellationToken)) yield return update;
    }

    public async Task<ConversationTranscript?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        var transcript = await (await ClientAsync(cancellationToken)).GetTranscriptAsync(conversationId, cancellationToken);
        return transcript.Exists ? transcript : null;
    }

    public async Task<bool> CancelTurnAsync(string conversationId, CancellationToken cancellationToken = default) =>
        await (await ClientAsync(cancellationToken)).CancelTurnAsync(conversationId, cancellationToken);

    private async Task<ConversationClient> ClientAsync(CancellationToken cancellationToken) =>
        new(system, await region.GetAsync(cancellationToken), askTimeout);
}
