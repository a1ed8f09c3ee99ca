using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Messages.Serialization;

/// <summary>
/// Remote serializer of the conversation messages (<see cref="IWithConversationId"/>) that travel between the nodes of
/// a cluster: System.Text.Json under short manifests. Akka's default (Newtonsoft) cannot carry the transcript's items,
/// which are raw JSON. <see cref="Subscribe"/> and <see cref="Unsubscribe"/> carry an actor reference, written as its
/// serialized path and resolved on arrival.
/// </summary>
public sealed class ConversationMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Stable; next to the journal serializer's <see cref="PersistedEventSerializer.SerializerId"/>.</summary>
    public const int SerializerId = 7412;

    private const string SubscribeManifest = "subscribe.v1";
    private const string UnsubscribeManifest = "unsubscribe.v1";

    private static readonly FrozenDictionary<Type, (string Manifest, JsonTypeInfo Info)> ByType = new (string, JsonTypeInfo)[]
    {
        ("send.v1", ConversationMessageJsonContext.Default.SendMessage),
        ("accepted.v1", ConversationMessageJsonContext.Default.MessageAccepted),
        ("rejected.v1", ConversationMessageJsonContext.Default.MessageRejected),
        ("wake-up.v1", ConversationMessageJsonContext.Default.WakeUp),
        ("get-status.v1", ConversationMessageJsonContext.Default.GetConversationStatus),
        ("status.v1", ConversationMessageJsonContext.Default.ConversationStatus),
        ("create.v1", ConversationMessageJsonContext.Default.CreateConversation),
        ("created.v1", ConversationMessageJsonContext.Default.ConversationCreated),
        ("get-transcript.v1", ConversationMessageJsonContext.Default.GetConversationTranscript),
        ("transcript.v1", ConversationMessageJsonContext.Default.ConversationTranscript),
        ("cancel.v1", ConversationMessageJsonContext.Default.CancelTurn),
        ("cancel-reply.v1", ConversationMessageJsonContext.Default.TurnCancelReply),
        ("delete.v1", ConversationMessageJsonContext.Default.DeleteConversation),
        ("deleted.v1", ConversationMessageJsonContext.Default.ConversationDeleted),
        ("text-delta.v1", ConversationMessageJsonContext.Default.AssistantTextDelta),
        ("tool-started.v1", ConversationMessageJsonContext.Default.ToolCallStarted),
        ("tool-finished.v1", ConversationMessageJsonContext.Default.ToolCallFinished),
        ("turn-completed.v1", ConversationMessageJsonContext.Default.TurnCompleted),
        ("turn-failed.v1", ConversationMessageJsonContext.Default.TurnFailed),
        ("unavailable.v1", ConversationMessageJsonContext.Default.ConversationUnavailable),
        ("message-id-reused.v1", ConversationMessageJsonContext.Default.MessageIdReused),
        ("conversation-rejected.v1", ConversationMessageJsonContext.Default.ConversationRejected),
        ("submit-tool-result.v1", ConversationMessageJsonContext.Default.SubmitToolResult),
        ("tool-result-accepted.v1", ConversationMessageJsonContext.Default.ToolResultAccepted),
        ("tool-result-rejected.v1", ConversationMessageJsonContext.Default.ToolResultRejected),
        ("tool-required.v1", ConversationMessageJsonContext.Default.ToolResultRequired),
    }.ToFrozenDictionary(e => e.Item2.Type, e => e);

    private static readonly FrozenDictionary<string, JsonTypeInfo> ByManifest =
        ByType.Values.ToFrozenDictionary(e => e.Manifest, e => e.Info);

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        Subscribe => SubscribeManifest,
        Unsubscribe => UnsubscribeManifest,
        _ => Entry(o.GetType()).Manifest,
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        Subscribe s => JsonSerializer.SerializeToUtf8Bytes(new[] { s.ConversationId, Akka.Serialization.Serialization.SerializedActorPath(s.Subscriber) }),
        Unsubscribe u => JsonSerializer.SerializeToUtf8Bytes(new[] { u.ConversationId, Akka.Serialization.Serialization.SerializedActorPath(u.Subscriber) }),
        _ => JsonSerializer.SerializeToUtf8Bytes(obj, Entry(obj.GetType()).Info),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            switch (manifest)
            {
                case SubscribeManifest:
                {
                    var (id, subscriber) = Reference(bytes);
                    return new Subscribe(id, subscriber);
                }
                case UnsubscribeManifest:
                {
                    var (id, subscriber) = Reference(bytes);
                    return new Unsubscribe(id, subscriber);
                }
            }
            if (!ByManifest.TryGetValue(manifest, out var info))
                throw new SerializationException($"Unknown conversation message manifest '{manifest}' (sent by a node of another release?).");
            return JsonSerializer.Deserialize(bytes, info) ?? throw new SerializationException($"Conversation message '{manifest}' is null.");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"Conversation message '{manifest}' is corrupt: {e.Message}", e);
        }
    }

    private (string ConversationId, IActorRef Subscriber) Reference(byte[] bytes)
    {
        var parts = JsonSerializer.Deserialize<string[]>(bytes);
        if (parts is not [{ } id, { } path]) throw new SerializationException("A subscription message needs a conversation id and a subscriber path.");
        return (id, system.Provider.ResolveActorRef(path));
    }

    private static (string Manifest, JsonTypeInfo Info) Entry(Type type) =>
        ByType.TryGetValue(type, out var entry)
            ? entry
            : throw new ArgumentException($"{type.FullName} is not a conversation message known to {nameof(ConversationMessageSerializer)}.");
}
