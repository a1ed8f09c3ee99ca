namespace Orchestrator.Emulator;

/// <summary>
/// How long the scripted model "thinks" before a response's first output item: uniform in
/// <see cref="EmulatorOptions.ModelLatency"/> ± <see cref="EmulatorOptions.ModelLatencyJitter"/>, drawn per response as a
/// pure function of <see cref="EmulatorOptions.LatencySeed"/> and the request's number (arrival order, as for faults),
/// so the same seed and the same traffic give the same latencies. Zero jitter gives the mean every time.
/// </summary>
internal sealed class LatencyModel(EmulatorOptions options)
{
    private const ulong ModelLatencySalt = 0xD6E8FEB86659FD93;

    public TimeSpan ModelLatencyOf(long requestNumber)
    {
        TimeSpan jitter = options.ModelLatencyJitter;
        if (jitter <= TimeSpan.Zero)
        {
            return options.ModelLatency;
        }

        double offset = 2 * SeededDraw.Uniform(options.LatencySeed, requestNumber, ModelLatencySalt) - 1;
        return options.ModelLatency + jitter * offset;
    }
}
