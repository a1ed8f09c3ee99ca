using System.Diagnostics.Metrics;

namespace Orchestrator.Actors.Diagnostics;

/// <summary>
/// Bucket boundaries for the engine's histograms, given to each instrument as advice (OpenTelemetry's exporters use
/// them unless a view says otherwise). Without them every histogram gets OpenTelemetry's defaults (0, 5, 10, 25 …
/// 10,000), meant for milliseconds: a duration in seconds then lands in the first bucket, whatever it is.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>1 ms to 5 min: a journal write, a tool call, a model response, a whole turn.</summary>
    public static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    };

    /// <summary>0.05 ms to 1 s: the engine's own overhead between two steps of a turn.</summary>
    public static readonly InstrumentAdvice<double> Milliseconds = new()
    {
        HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000],
    };

    /// <summary>Powers of 4 from 256 B to 16 MiB: a request's size.</summary>
    public static readonly InstrumentAdvice<int> Bytes = new()
    {
        HistogramBucketBoundaries = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216],
    };

    /// <summary>1 to 1,000: events in one journal commit (the writer's batch-size is 500).</summary>
    public static readonly InstrumentAdvice<int> Rows = new()
    {
        HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    };
}
