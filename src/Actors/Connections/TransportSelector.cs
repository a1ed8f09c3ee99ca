namespace Orchestrator.Actors.Connections;

/// <summary>
/// Which transport the next lease of an endpoint gets, with no actor or clock of its own (times are the manager's
/// monotonic ones). In <see cref="TransportMode.Auto"/> new leases go over WebSockets until the endpoint refuses the
/// upgrade (426, 404 or 405: a gateway or account without WebSocket mode) or
/// <see cref="EndpointSettings.FallbackAfterFailedConnects"/> connects in a row fail; then over HTTP for
/// <see cref="EndpointSettings.FallbackCoolDown"/>. After it one WebSocket is tried (<see cref="ProbeDue"/>) while
/// leases still go over HTTP, so that no turn pays for a failed try; once a WebSocket connects, new leases go over
/// WebSockets again, and a failed try starts another cool-down. Leases already granted keep their transport: a turn
/// finishes on the one it started on. <see cref="TransportMode.WebSocket"/> and <see cref="TransportMode.Http"/>
/// never switch.
/// </summary>
public sealed class TransportSelector(TransportMode mode, int fallbackAfterFailedConnects, TimeSpan coolDown)
{
    private TimeSpan _coolDownEnds;
    private bool _probing;

    /// <summary>The transport of the next lease.</summary>
    public Transport Current { get; private set; } = mode == TransportMode.Http ? Transport.Http : Transport.WebSocket;

    /// <summary>Statuses that answer an upgrade when the endpoint has no WebSocket mode at all.</summary>
    public static bool IsRefusal(int status) => status is 426 or 404 or 405;

    /// <summary>A connect got an HTTP answer instead of an upgrade; a refusal falls back (or, on HTTP, starts another cool-down).</summary>
    public TransportSwitch? UpgradeRefused(int status, TimeSpan now) =>
        IsRefusal(status) ? FallBack(now, TransportSwitch.UpgradeRefused, $"the endpoint refused the WebSocket upgrade with {status}") : null;

    /// <summary>
    /// A socket stopped without connecting; <paramref name="consecutiveFailures"/> is the backoff's count of failed
    /// connects in a row (0 when the socket failed with others of its wave). A failed try after the cool-down starts
    /// another cool-down, whatever the count.
    /// </summary>
    public TransportSwitch? ConnectFailed(int consecutiveFailures, TimeSpan now) =>
        _probing || consecutiveFailures >= fallbackAfterFailedConnects
            ? FallBack(now, TransportSwitch.FailedConnects, $"{Math.Max(consecutiveFailures, 1)} connects in a row failed")
            : null;

    /// <summary>A WebSocket connected: after the cool-down, new leases go over WebSockets again.</summary>
    public TransportSwitch? Connected(TimeSpan now)
    {
        if (Current != Transport.Http || mode != TransportMode.Auto || now < _coolDownEnds) return null;
        _probing = false;
        Current = Transport.WebSocket;
        return new TransportSwitch(Transport.WebSocket, TransportSwitch.WebSocketConnected, "a WebSocket connected after the cool-down");
    }

    /// <summary>How long until a WebSocket may be tried again; null when none is to be tried (not on HTTP in auto, or one is being tried).</summary>
    public TimeSpan? UntilProbe(TimeSpan now) =>
        mode == TransportMode.Auto && Current == Transport.Http && !_probing
            ? now < _coolDownEnds ? _coolDownEnds - now : TimeSpan.Zero
            : null;

    /// <summary>True once per cool-down, when it is over: open one WebSocket to try (leases stay on HTTP meanwhile).</summary>
    public bool ProbeDue(TimeSpan now)
    {
        if (UntilProbe(now) != TimeSpan.Zero) return false;
        _probing = true;
        return true;
    }

    private TransportSwitch? FallBack(TimeSpan now, string reason, string why)
    {
        if (mode != TransportMode.Auto) return null;
        _coolDownEnds = now + coolDown;
        _probing = false;
        if (Current == Transport.Http) return null;
        Current = Transport.Http;
        return new TransportSwitch(Transport.Http, reason, why);
    }
}
