using System.Diagnostics.Metrics;

namespace Orchestrator.Actors.Diagnostics;

/// <summary>
/// Steering on the <see cref="EngineMetrics.MeterName"/> meter: messages sent into a streaming response, and what came
/// of them (applied: a successor started with them; fallback: they run as the next turn, by the server's code).
/// </summary>
public static class SteeringMetrics
{
    public const string Steered = "orchestrator.messages.steered";
    public const string Outcomes = "orchestrator.steers.outcome";
    public const string UnsupportedModels = "orchestrator.steering.unsupported_models";
    public const string OutcomeTag = "outcome";
    public const string CodeTag = "code";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly Counter<long> SteeredCount = Meter.CreateCounter<long>(Steered, description: "user messages sent into a streaming response (response.steer)");
    private static readonly Counter<long> OutcomeCount = Meter.CreateCounter<long>(Outcomes, description: "steered messages by outcome (applied, fallback) and, for a fallback, the server's code");
    private static readonly UpDownCounter<long> UnsupportedCount = Meter.CreateUpDownCounter<long>(UnsupportedModels, description: "models this node remembers as answering steering_not_supported");

    public static void MessagesSteered(int count) => SteeredCount.Add(count);

    public static void Applied(int count) => OutcomeCount.Add(count, new KeyValuePair<string, object?>(OutcomeTag, "applied"));

    public static void FellBack(int count, string code) =>
        OutcomeCount.Add(count, new KeyValuePair<string, object?>(OutcomeTag, "fallback"), new KeyValuePair<string, object?>(CodeTag, code));

    public static void UnsupportedModelAdded() => UnsupportedCount.Add(1);
}
