using System.Collections.Concurrent;

namespace Orchestrator.Emulator;

/// <summary>What all connections (and HTTP requests) of one server share.</summary>
internal sealed class EmulatorRuntime(EmulatorOptions options) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private long _lastConnectionId;
    private volatile bool _refuseWebSockets = options.RefuseWebSockets;

    public EmulatorOptions Options { get; } = options;

    public EmulatorCounters Counters { get; } = new();

    public ResponseStore Store { get; } = new(options.StoredResponseCapacity);

    public FaultPlan Faults { get; } = new(options.Faults);

    public TrafficRecorder Traffic { get; } = new(options.RecordTraffic, options.TrafficLogPath);

    /// <summary>Open connections, so that shutdown can close them.</summary>
    public ConcurrentDictionary<long, ConnectionSession> Sessions { get; } = new();

    /// <summary>Refuse WebSocket upgrades (<see cref="EmulatorOptions.RefuseWebSockets"/>); settable while running.</summary>
    public bool RefuseWebSockets
    {
        get => _refuseWebSockets;
        set => _refuseWebSockets = value;
    }

    /// <summary>Cancelled when the server stops: HTTP requests still running end with it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public void Stop() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Dispose();
        Traffic.Dispose();
    }
}
