namespace Orchestrator.Emulator;

/// <summary>The faults one request gets; <see cref="Number"/> is its 1-based position in arrival order.</summary>
/// <param name="Hang">The response stops after <c>response.in_progress</c> and never ends while the connection stays open.</param>
/// <param name="DropHttpStreamAfter">Over HTTP, the stream is cut after this many events (0: not cut).</param>
internal readonly record struct RequestFaults(long Number, InjectedError? Error, bool Drop, bool MalformedFrame, bool Hang, int DropHttpStreamAfter = 0);
