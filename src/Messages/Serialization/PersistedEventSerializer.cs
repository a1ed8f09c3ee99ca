using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Orchestrator.Messages.Events;

namespace Orchestrator.Messages.Serialization;

/// <summary>
/// Journal serializer: System.Text.Json (source-generated) under short, versioned manifests, so that the
/// journal stays readable across releases and by humans. An unknown manifest is an error that says so,
/// never a silent skip.
/// </summary>
public sealed class PersistedEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Stable; away from Akka's own identifiers (below 100).</summary>
    public const int SerializerId = 7411;

    // Each event type's metadata is built at its first use, not all at once: a one-shot `run` writes two of the ten.
    private static readonly FrozenDictionary<Type, (string Manifest, Lazy<JsonTypeInfo> Info)> ByType = new[]
    {
        Entry<ConversationStarted>("conversation-started.v1", () => PersistedEventJsonContext.Default.ConversationStarted),
        Entry<UserMessageAccepted>("user-message.v1", () => PersistedEventJsonContext.Default.UserMessageAccepted),
        Entry<ResponseRecorded>("response.v1", () => PersistedEventJsonContext.Default.ResponseRecorded),
        Entry<ToolResultRecorded>("tool-result.v1", () => PersistedEventJsonContext.Default.ToolResultRecorded),
        Entry<TurnAbandoned>("turn-abandoned.v1", () => PersistedEventJsonContext.Default.TurnAbandoned),
        Entry<WindowCompacted>("window-compacted.v1", () => PersistedEventJsonContext.Default.WindowCompacted),
        Entry<TurnInputDropped>("turn-input-dropped.v1", () => PersistedEventJsonContext.Default.TurnInputDropped),
        Entry<ClientToolCallsAwaited>("client-tool-calls-awaited.v1", () => PersistedEventJsonContext.Default.ClientToolCallsAwaited),
        Entry<SteerApplied>("steer-applied.v1", () => PersistedEventJsonContext.Default.SteerApplied),
        Entry<ConversationSnapshot>("conversation-snapshot.v1", () => PersistedEventJsonContext.Default.ConversationSnapshot),
    }.ToFrozenDictionary(e => e.Type, e => (e.Manifest, e.Info));

    private static readonly FrozenDictionary<string, Lazy<JsonTypeInfo>> ByManifest =
        ByType.Values.ToFrozenDictionary(e => e.Manifest, e => e.Info);

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => Entry(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, Entry(obj.GetType()).Info.Value);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var info))
            throw new SerializationException($"Unknown journal event manifest '{manifest}': this build cannot read it (written by a newer release?).");
        try
        {
            return JsonSerializer.Deserialize(bytes, info.Value)
                   ?? throw new SerializationException($"Journal event '{manifest}' is null.");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"Journal event '{manifest}' is corrupt: {e.Message}", e);
        }
    }

    private static (Type Type, string Manifest, Lazy<JsonTypeInfo> Info) Entry<T>(string manifest, Func<JsonTypeInfo> info) =>
        (typeof(T), manifest, new Lazy<JsonTypeInfo>(info));

    private static (string Manifest, Lazy<JsonTypeInfo> Info) Entry(Type type) =>
        ByType.TryGetValue(type, out var entry)
            ? entry
            : throw new ArgumentException($"{type.FullName} is not a journal event known to {nameof(PersistedEventSerializer)}.");
}
