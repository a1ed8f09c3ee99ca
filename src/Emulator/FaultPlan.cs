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

    private long requests;
    private long upgrades;

    // Frozen copies: the caller's sets and dictionary cannot change the plan once the server runs.
    private readonly FrozenSet<long> dropOn = faults.DropOnRequests.ToFrozenSet();
    private readonly FrozenSet<long> malformedOn = faults.MalformedFrameOnRequests.ToFrozenSet();
    private readonly FrozenSet<long> refuseOn = faults.RefuseUpgrades.ToFrozenSet();
    private readonly FrozenDictionary<long, InjectedError> errorOn = faults.ErrorOnRequests.ToFrozenDictionary();

    public EmulatorFaults Faults { get; } = faults;

    /// <summary>The next request's number and the faults it gets.</summary>
    public RequestFaults NextRequest()
    {
        long number = Interlocked.Increment(ref requests);
        if (!Faults.Any)
        {
            return new RequestFaults(number, null, false, false);
        }

        InjectedError? error = errorOn.TryGetValue(number, out InjectedError injected) ? injected : null;
        bool drop = dropOn.Contains(number) || Draw(number, DropSalt) < Faults.DropProbability;
        return new RequestFaults(number, error, drop, malformedOn.Contains(number));
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
        long number = Interlocked.Increment(ref upgrades);
        return refuseOn.Contains(number) || Draw(number, RefuseSalt) < Faults.RefuseUpgradeProbability;
    }

    /// <summary>A uniform draw in [0, 1) from seed, number and salt (SplitMix64).</summary>
    private double Draw(long number, ulong salt)
    {
        ulong z = unchecked((ulong)Faults.Seed * 0xBF58476D1CE4E5B9 + (ulong)number * salt + salt);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
