using System.Diagnostics;

namespace Orchestrator.Load;

/// <summary>CPU time and resident memory of this process, read from the OS, and what it allocated, from the runtime.</summary>
public static class ProcessMeter
{
    public static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Bytes allocated on the managed heap by every thread since the process started.</summary>
    public static long AllocatedBytes() => GC.GetTotalAllocatedBytes(precise: true);

    public static long ResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    /// <summary>The high-water mark of resident memory (Linux VmHWM) since the process started or since <see cref="ResetPeak"/>.</summary>
    public static long PeakResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>
    /// Restarts the high-water mark at the current resident size (Linux: "5" to /proc/self/clear_refs), so that runs
    /// in one process each get their own peak. Returns false where the OS does not allow it; the peak is then the
    /// process's so far.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Resident and managed bytes after a full, compacting collection: what live objects hold.</summary>
    public static (long Resident, long Managed) Settled()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return (ResidentBytes(), GC.GetTotalMemory(forceFullCollection: false));
    }
}
