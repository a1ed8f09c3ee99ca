using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Host.Bench;

/// <summary>
/// Listens to the <see cref="EngineMetrics"/> instruments while it lives and keeps every measurement: the engine's
/// overhead samples and the size of each request by its position in the turn. Measurements arrive on actor threads,
/// hence the lock.
/// </summary>
public sealed class EngineMetricsRecorder : IDisposable
{
    private readonly Lock _gate = new();
    private readonly MeterListener _listener = new();
    private readonly List<double> _toolResultsToRequest = [];
    private readonly List<double> _responseToTools = [];
    private readonly Dictionary<(bool Continuation, int Index), (long Bytes, int Count)> _requests = [];

    public EngineMetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is EngineMetrics.MeterName or EngineMetrics.DetailMeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnOverhead);
        _listener.SetMeasurementEventCallback<int>(OnRequest);
        _listener.Start();
    }

    public IReadOnlyList<double> ToolResultsToRequest { get { lock (_gate) return _toolResultsToRequest.ToArray(); } }

    public IReadOnlyList<double> ResponseToTools { get { lock (_gate) return _responseToTools.ToArray(); } }

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

    public void Dispose() => _listener.Dispose();

    private void OnOverhead(Instrument instrument, double milliseconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        lock (_gate)
        {
            if (instrument.Name == EngineMetrics.ToolResultsToRequest) _toolResultsToRequest.Add(milliseconds);
            else if (instrument.Name == EngineMetrics.ResponseToTools) _responseToTools.Add(milliseconds);
        }
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
