using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.Tests.Connections;

/// <summary>
/// Responses sent and not yet ended in this process, from the engine meter (a socket counts a response when it sends
/// it, in the same step that takes it). Only meaningful in a spec that runs alone.
/// </summary>
internal sealed class InFlightResponses : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public InFlightResponses()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName && instrument.Name == ConnectionMetrics.InFlight) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, delta, _, _) => Interlocked.Add(ref _count, delta));
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
