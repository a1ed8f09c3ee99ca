using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.OperatorConsole;

/// <summary>
/// The engine's own meters as the console charts them: a <see cref="MeterListener"/> on the <c>Orchestrator</c> meter
/// keeps running totals (sockets open, lanes in use, responses in flight, leases waiting; requests by kind, chain
/// resets and retries by reason; turns and their summed duration) and a timer takes a sample every
/// <see cref="SampleInterval"/>, keeping the last <see cref="MaxSamples"/> (ten minutes). The gauges count from the
/// moment the listener starts, with the node: the meter is process-wide, so several nodes in one process share it.
/// </summary>
public sealed class NodeMeters : IDisposable
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(2);
    public const int MaxSamples = 300;

    private readonly MeterListener _listener = new();
    private readonly Timer _timer;
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly Queue<MeterSample> _samples = new();
    private long _turns, _turnsFailed, _responses;
    private double _turnSeconds, _turnMaxSeconds, _responseSeconds;
    private long _sampledTurns;
    private double _sampledTurnSeconds;
    private long _sampledResponses;
    private double _sampledResponseSeconds;
    private DateTimeOffset _sampledAt = DateTimeOffset.UtcNow;

    private static readonly HashSet<string> Gauges = [ConnectionMetrics.OpenSockets, ConnectionMetrics.LanesInUse, ConnectionMetrics.InFlight, ConnectionMetrics.QueueDepth];
    private static readonly HashSet<string> Tagged = [ConnectionMetrics.Requests, ConnectionMetrics.ChainResets, ConnectionMetrics.Retries];

    public NodeMeters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != EngineMetrics.MeterName) return;
            if (Gauges.Contains(instrument.Name) || Tagged.Contains(instrument.Name)
                || instrument.Name is ConversationTelemetry.TurnDuration or ConversationTelemetry.ModelResponseDuration)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            if (Tagged.Contains(key))
            {
                foreach (var tag in tags)
                    if (tag.Key is ConnectionMetrics.ReasonTag or EngineMetrics.KindTag) key = $"{key}|{tag.Value}";
            }
            lock (_gate) _totals[key] = _totals.GetValueOrDefault(key) + value;
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (_gate)
            {
                if (instrument.Name == ConversationTelemetry.TurnDuration)
                {
                    _turns++;
                    _turnSeconds += value;
                    _turnMaxSeconds = Math.Max(_turnMaxSeconds, value);
                    foreach (var tag in tags)
                        if (tag.Key == ConversationTelemetry.OutcomeTag && tag.Value as string == "failed") _turnsFailed++;
                }
                else
                {
                    _responses++;
                    _responseSeconds += value;
                }
            }
        });
        _listener.Start();
        _timer = new Timer(_ => Sample(DateTimeOffset.UtcNow), null, SampleInterval, SampleInterval);
    }

    /// <summary>Takes a sample now: the gauges' values and what happened since the previous sample.</summary>
    public void Sample(DateTimeOffset now)
    {
        lock (_gate)
        {
            var seconds = Math.Max((now - _sampledAt).TotalSeconds, 0.001);
            var turns = _turns - _sampledTurns;
            var responses = _responses - _sampledResponses;
            var sample = new MeterSample(
                now,
                Math.Round(turns / seconds, 3),
                turns == 0 ? null : Math.Round((_turnSeconds - _sampledTurnSeconds) / turns * 1000, 1),
                responses == 0 ? null : Math.Round((_responseSeconds - _sampledResponseSeconds) / responses * 1000, 1),
                _totals.GetValueOrDefault(ConnectionMetrics.OpenSockets),
                _totals.GetValueOrDefault(ConnectionMetrics.LanesInUse),
                _totals.GetValueOrDefault(ConnectionMetrics.InFlight),
                _totals.GetValueOrDefault(ConnectionMetrics.QueueDepth));
            _samples.Enqueue(sample);
            while (_samples.Count > MaxSamples) _samples.Dequeue();
            (_sampledAt, _sampledTurns, _sampledTurnSeconds, _sampledResponses, _sampledResponseSeconds) = (now, _turns, _turnSeconds, _responses, _responseSeconds);
        }
    }

    public NodeMeterView View()
    {
        lock (_gate)
        {
            Dictionary<string, long> ByTag(string name) => _totals
                .Where(kv => kv.Key.StartsWith(name + "|", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[(name.Length + 1)..], kv => kv.Value);
            return new NodeMeterView(
                _totals.GetValueOrDefault(ConnectionMetrics.OpenSockets),
                _totals.GetValueOrDefault(ConnectionMetrics.LanesInUse),
                _totals.GetValueOrDefault(ConnectionMetrics.InFlight),
                _totals.GetValueOrDefault(ConnectionMetrics.QueueDepth),
                _turns,
                _turnsFailed,
                _turns == 0 ? null : Math.Round(_turnSeconds / _turns * 1000, 1),
                Math.Round(_turnMaxSeconds * 1000, 1),
                ByTag(ConnectionMetrics.Requests),
                ByTag(ConnectionMetrics.ChainResets),
                ByTag(ConnectionMetrics.Retries),
                (int)SampleInterval.TotalSeconds,
                _samples.ToList());
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _listener.Dispose();
    }
}

/// <summary>One sample: turns per second and their mean latency since the previous sample, mean model response latency, and the gauges.</summary>
public sealed record MeterSample(DateTimeOffset At, double TurnsPerSecond, double? TurnLatencyMs, double? ResponseLatencyMs, long Sockets, long Lanes, long InFlight, long LeasesWaiting);

public sealed record NodeMeterView(
    long Sockets,
    long Lanes,
    long InFlight,
    long LeasesWaiting,
    long Turns,
    long TurnsFailed,
    double? TurnLatencyMeanMs,
    double TurnLatencyMaxMs,
    IReadOnlyDictionary<string, long> RequestsByKind,
    IReadOnlyDictionary<string, long> ChainResetsByReason,
    IReadOnlyDictionary<string, long> RetriesByReason,
    int SampleSeconds,
    IReadOnlyList<MeterSample> Samples);
