namespace Orchestrator.Emulator;

/// <summary>The faults one request gets; <see cref="Number"/> is its 1-based position in arrival order.</summary>
internal readonly record struct RequestFaults(long Number, InjectedError? Error, bool Drop, bool MalformedFrame);
