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

    private static readonly FrozenDictionary<Type, (string Manifest, JsonTypeInfo Info)> ByType = new (string, JsonTypeInfo)[]
    {
        ("conversation-started.v1", PersistedEventJsonContext.Default.ConversationStarted),
        ("user-message.v1", PersistedEventJsonContext.Default.UserMessageAccepted),
        ("response.v1", PersistedEventJsonContext.Default.ResponseRecorded),
        ("tool-result.v1", PersistedEventJsonContext.Default.ToolResultRecorded),
        ("turn-abandoned.v1", PersistedEventJsonContext.Default.TurnAbandoned),
        ("window-compacted.v1", PersistedEventJsonContext.Default.WindowCompacted),
        ("turn-input-dropped.v1", PersistedEventJsonContext.Default.TurnInputDropped),
        ("client-tool-calls-awaited.v1", PersistedEventJsonContext.Default.ClientToolCallsAwaited),
        ("steer-applied.v1", PersistedEventJsonContext.Default.SteerApplied),
        ("conversation-snapshot.v1", PersistedEventJsonContext.Default.ConversationSnapshot),
    }.ToFrozenDictionary(e => e.Item2.Type, e => e);

    private static readonly FrozenDictionary<string, JsonTypeInfo> ByManifest =
        ByType.Values.ToFrozenDictionary(e => e.Manifest, e => e.Info);

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => Entry(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, Entry(obj.GetType()).Info);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var info))
            throw new SerializationException($"Unknown journal event manifest '{manifest}': this build cannot read it (written by a newer release?).");
        try
        {
            return JsonSerializer.Deserialize(bytes, info)
                   ?? throw new SerializationException($"Journal event '{manifest}' is null.");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"Journal event '{manifest}' is corrupt: {e.Message}", e);
        }
    }

    private static (string Manifest, JsonTypeInfo Info) Entry(Type type) =>
        ByType.TryGetValue(type, out var entry)
            ? entry
            : throw new ArgumentException($"{type.FullName} is not a journal event known to {nameof(PersistedEventSerializer)}.");
}
