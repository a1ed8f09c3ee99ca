using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Load;

/// <summary>
/// Listens to the <see cref="EngineMetrics"/> instruments while it lives and keeps every measurement: the engine's
/// overhead samples, the size of each request by its position in the turn, each lease's wait for a lane, when each
/// model response ended, and the peak of turns holding a lane. It lives for one measured phase, so its lists hold a
/// few entries per model turn of the scenario (C × (R+1)). Measurements arrive on actor threads, hence the lock.
/// </summary>
public sealed class EngineMetricsRecorder : IDisposable
{
    private readonly Lock _gate = new();
    private readonly MeterListener _listener = new();
    private readonly List<double> _toolResultsToRequest = [];
    private readonly List<double> _responseToTools = [];
    private readonly Dictionary<(bool Continuation, int Index), (long Bytes, int Count)> _requests = [];
    private readonly List<double> _leaseWait = [];
    private readonly List<long> _responsesEnded = [];
    private long _turnsInFlight;
    private long _peakTurnsInFlight;

    public EngineMetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is EngineMetrics.MeterName or EngineMetrics.DetailMeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.SetMeasurementEventCallback<int>(OnRequest);
        _listener.SetMeasurementEventCallback<long>(OnCount);
        _listener.Start();
    }

    public IReadOnlyList<double> ToolResultsToRequest { get { lock (_gate) return _toolResultsToRequest.ToArray(); } }

    public IReadOnlyList<double> ResponseToTools { get { lock (_gate) return _responseToTools.ToArray(); } }

    /// <summary>Milliseconds from each lease request to its grant (the connection manager records seconds).</summary>
    public IReadOnlyList<double> LeaseWaitMs { get { lock (_gate) return _leaseWait.ToArray(); } }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> of each model response that came back (with tool calls or the answer).</summary>
    public IReadOnlyList<long> ResponsesEnded { get { lock (_gate) return _responsesEnded.ToArray(); } }

    /// <summary>Mean bytes per request at each position in the turn, split by continuation and full send.</summary>
    public IReadOnlyList<RequestBytes> RequestsByIndex
    {
        get
        {
            lock (_gate)
            {
                return _requests
                    .Select(r => new RequestBytes(r.Key.Index, r.Key.Continuation, r.Value.Count, (double)r.Value.Bytes / r.Value.Count))
                    .OrderBy(r => r.Index).ThenBy(r => r.Continuation)
                    .ToArray();
            }
        }
    }

    /// <summary>
    /// The most turns that held a lane at once since the recorder started, counted from the lanes leased and freed
    /// after it started: start it when no turn runs (the warm-up has ended).
    /// </summary>
    public long PeakTurnsInFlight { get { lock (_gate) return _peakTurnsInFlight; } }

    public void Dispose() => _listener.Dispose();

    private void OnCount(Instrument instrument, long delta, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name != ConnectionMetrics.LanesInUse) return;
        lock (_gate)
        {
            _turnsInFlight += delta;
            _peakTurnsInFlight = Math.Max(_peakTurnsInFlight, _turnsInFlight);
        }
    }

    private void OnDuration(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case EngineMetrics.ToolResultsToRequest:
                lock (_gate) _toolResultsToRequest.Add(value);
                break;
            case EngineMetrics.ResponseToTools:
                lock (_gate) _responseToTools.Add(value);
                break;
            case ConnectionMetrics.LeaseWait:
                lock (_gate) _leaseWait.Add(value * 1000);
                break;
            case ConversationTelemetry.ModelResponseDuration when CameBack(tags):
                var now = Stopwatch.GetTimestamp();
                lock (_gate) _responsesEnded.Add(now);
                break;
        }
    }

    /// <summary>A response that ended with tool calls or the answer, not one retried or failed.</summary>
    private static bool CameBack(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
            if (tag.Key == ConversationTelemetry.OutcomeTag) return tag.Value is "tool_calls" or "completed";
        return false;
    }

    private void OnRequest(Instrument instrument, int bytes, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name != EngineMetrics.RequestBytesByIndex) return;
        var continuation = false;
        var index = 0;
        foreach (var tag in tags)
        {
            if (tag.Key == EngineMetrics.KindTag) continuation = (string?)tag.Value == "continuation";
            else if (tag.Key == EngineMetrics.IndexTag && tag.Value is int i) index = i;
        }
        lock (_gate)
        {
            _requests.TryGetValue((continuation, index), out var sum);
            _requests[(continuation, index)] = (sum.Bytes + bytes, sum.Count + 1);
        }
    }
}

/// <summary>Mean size of the requests at one position in the turn (0 = the one carrying the user message).</summary>
public sealed record RequestBytes(int Index, bool Continuation, int Count, double MeanBytes);
