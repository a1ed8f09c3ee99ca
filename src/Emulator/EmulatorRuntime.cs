using System.Collections.Concurrent;

namespace Orchestrator.Emulator;

/// <summary>What all connections of one server share.</summary>
internal sealed class EmulatorRuntime(EmulatorOptions options) : IDisposable
{
    private long _lastConnectionId;

    public EmulatorOptions Options { get; } = options;

    public EmulatorCounters Counters { get; } = new();

    public ResponseStore Store { get; } = new(options.StoredResponseCapacity);

    public FaultPlan Faults { get; } = new(options.Faults);

    public TrafficRecorder Traffic { get; } = new(options.RecordTraffic, options.TrafficLogPath);

    /// <summary>Open connections, so that shutdown can close them.</summary>
    public ConcurrentDictionary<long, ConnectionSession> Sessions { get; } = new();

    public long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public void Dispose() => Traffic.Dispose();
}
