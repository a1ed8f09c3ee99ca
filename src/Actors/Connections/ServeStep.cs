namespace Orchestrator.Actors.Connections;

/// <summary>What <see cref="ConnectionPolicy.Serve"/> decides for the request at the head of the queue.</summary>
public readonly record struct ServeStep(ServeAction Action, LaneAssignment? Assignment, long SocketId, TimeSpan Delay, bool Warn)
{
    public static ServeStep Grant(LaneAssignment assignment) => new(ServeAction.Grant, assignment, 0, default, false);

    public static ServeStep Open(long socketId) => new(ServeAction.Open, null, socketId, default, false);

    public static ServeStep OpenAfter(TimeSpan delay) => new(ServeAction.OpenAfter, null, 0, delay, false);

    /// <param name="warn">Every lane of every socket the limit allows is held, and no warning said so for a while.</param>
    public static ServeStep WaitForLane(bool warn) => new(ServeAction.WaitForLane, null, 0, default, warn);
}

public enum ServeAction
{
    /// <summary>Lease <see cref="ServeStep.Assignment"/> to the request and serve the next one.</summary>
    Grant,

    /// <summary>Start socket <see cref="ServeStep.SocketId"/>: its lanes serve the next requests at once.</summary>
    Open,

    /// <summary>Serve again after <see cref="ServeStep.Delay"/>, when the backoff after failed connects is over.</summary>
    OpenAfter,

    /// <summary>Serve again when a lane is released or a socket connects or stops.</summary>
    WaitForLane,
}
