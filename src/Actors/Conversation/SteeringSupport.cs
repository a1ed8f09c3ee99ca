using System.Collections.Concurrent;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// The models this node has seen answer <c>steering_not_supported</c>: their conversations queue mid-turn messages
/// instead of steering, without asking again. Node-local and not persisted: a restarted node, or another node of a
/// cluster, learns it again from one refused steer (whose message still runs, as the next turn). Bounded by
/// <see cref="MaxModels"/>: past it, further models are not remembered (each refusal then costs one round trip).
/// </summary>
public sealed class SteeringSupport
{
    public const int MaxModels = 1024;

    private readonly ConcurrentDictionary<string, bool> _unsupported = new(StringComparer.Ordinal);

    public bool IsUnsupported(string model) => _unsupported.ContainsKey(model);

    /// <summary>Remembers <paramref name="model"/> as one without steering; false when it was known already or the bound is reached.</summary>
    public bool MarkUnsupported(string model)
    {
        if (_unsupported.Count >= MaxModels || !_unsupported.TryAdd(model, true)) return false;
        SteeringMetrics.UnsupportedModelAdded();
        return true;
    }
}
