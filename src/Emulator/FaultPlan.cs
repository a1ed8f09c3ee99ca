using System.Collections.Frozen;

namespace Orchestrator.Emulator;

/// <summary>
/// Decides, per numbered request or connection attempt, which fault of <see cref="EmulatorFaults"/>
/// applies. Numbers are handed out in arrival order; draws are a pure function of seed and number.
/// </summary>
internal sealed class FaultPlan(EmulatorFaults faults)
{
    private const ulong DropSalt = 0x9E3779B97F4A7C15;
    private const ulong RefuseSalt = 0xC2B2AE3D27D4EB4F;
    private const ulong ConnectionDropSalt = 0x165667B19E3779F9;
    private const ulong DropPointSalt = 0x27D4EB2F165667C5;
    private const ulong HangSalt = 0x85EBCA77C2B2AE63;

    private long _requests;
    private long _upgrades;

    // Frozen copies: the caller's sets and dictionary cannot change the plan once the server runs.
    private readonly FrozenSet<long> _dropOn = faults.DropOnRequests.ToFrozenSet();
    private readonly FrozenSet<long> _malformedOn = faults.MalformedFrameOnRequests.ToFrozenSet();
    private readonly FrozenSet<long> _refuseOn = faults.RefuseUpgrades.ToFrozenSet();
    private readonly FrozenSet<long> _hangOn = faults.HangOnRequests.ToFrozenSet();
    private readonly FrozenDictionary<long, InjectedError> _errorOn = faults.ErrorOnRequests.ToFrozenDictionary();
    private readonly FrozenDictionary<long, int> _dropHttpStreamAfter = faults.DropHttpStreamAfter.ToFrozenDictionary();

    public EmulatorFaults Faults { get; } = faults;

    /// <summary>The next request's number and the faults it gets.</summary>
    public RequestFaults NextRequest()
    {
        long number = Interlocked.Increment(ref _requests);
        if (!Faults.Any)
        {
            return new RequestFaults(number, null, false, false, false);
        }

        InjectedError? error = _errorOn.TryGetValue(number, out InjectedError injected) ? injected : null;
        bool drop = _dropOn.Contains(number) || Draw(number, DropSalt) < Faults.DropProbability;
        bool hang = _hangOn.Contains(number) || Draw(number, HangSalt) < Faults.HangProbability;
        return new RequestFaults(number, error, drop, _malformedOn.Contains(number), hang, _dropHttpStreamAfter.GetValueOrDefault(number));
    }

    /// <summary>
    /// For a connection by its id: the 1-based number of its own request during which it is dropped, or 0 when it is
    /// not doomed (<see cref="EmulatorFaults.ConnectionDropProbability"/>).
    /// </summary>
    public int DropPointOf(long connectionId) =>
        Draw(connectionId, ConnectionDropSalt) < Faults.ConnectionDropProbability
            ? 1 + (int)(Draw(connectionId, DropPointSalt) * EmulatorFaults.ConnectionDropWithin)
            : 0;

    /// <summary>Whether the next connection attempt is refused with 429.</summary>
    public bool RefuseNextUpgrade()
    {
        long number = Interlocked.Increment(ref _upgrades);
        return _refuseOn.Contains(number) || Draw(number, RefuseSalt) < Faults.RefuseUpgradeProbability;
    }

    private double Draw(long number, ulong salt) => SeededDraw.Uniform(Faults.Seed, number, salt);
}
