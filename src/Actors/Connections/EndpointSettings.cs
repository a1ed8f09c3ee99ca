namespace Orchestrator.Actors.Connections;

/// <summary>
/// Where and how a node's connection manager connects. The API key is never printed: see <see cref="ToString"/>.
/// Limits left unset are the reference configuration's (<see cref="ConnectionLimits.Reference"/>).
/// </summary>
public sealed record EndpointSettings
{
    public static EndpointSettings For(Uri responsesUrl, string? apiKey, ConnectionLimits limits) => new()
    {
        ResponsesUrl = responsesUrl,
        ApiKey = apiKey,
        MaxSockets = limits.MaxSockets,
        MaxQueuedLeases = limits.MaxQueuedLeases,
        ConnectTimeout = limits.ConnectTimeout,
        MinBackoff = limits.MinBackoff,
        MaxBackoff = limits.MaxBackoff,
        LanesPerConnection = limits.LanesPerConnection,
        MaxInFlightPerConnection = limits.MaxInFlightPerConnection,
        MaxAge = limits.MaxAge,
        MaxAgeJitter = limits.MaxAgeJitter,
        MaxDrain = limits.MaxDrain,
        MaxConnecting = limits.MaxConnecting,
        IdleTimeout = limits.IdleTimeout,
        LeaseWaitWarningInterval = limits.LeaseWaitWarningInterval,
        ResponseIdleTimeout = limits.ResponseIdleTimeout,
        ResponseTimeout = limits.ResponseTimeout,
        MaxFrameBytes = limits.MaxFrameBytes,
        Transport = limits.Transport,
        FallbackAfterFailedConnects = limits.FallbackAfterFailedConnects,
        FallbackCoolDown = limits.FallbackCoolDown,
        MaxHttpRequests = limits.MaxHttpRequests,
    };

    /// <summary>The WebSocket URL of the Responses endpoint, e.g. <c>wss://api.openai.com/v1/responses</c>.</summary>
    public required Uri ResponsesUrl { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// At most this many sockets per node, opened on demand; further lease requests queue. With
    /// <see cref="LanesPerConnection"/> it bounds the turns running at once.
    /// </summary>
    public int MaxSockets { get; init; } = ConnectionLimits.Reference.MaxSockets;

    /// <summary>
    /// Lanes (<c>stream_id</c>) per socket; 1 is the base protocol (one response in flight per connection, no
    /// <c>stream_id</c> sent). The server allows at most 32 lanes per connection but runs at most 16 responses at
    /// once on it: 16 lanes never leave a response in the server's queue.
    /// </summary>
    public int LanesPerConnection { get; init; } = ConnectionLimits.Reference.LanesPerConnection;

    /// <summary>Sockets connecting at once at most: a burst of lease requests opens sockets in waves, not all at one instant.</summary>
    public int MaxConnecting { get; init; } = ConnectionLimits.Reference.MaxConnecting;

    /// <summary>A socket none of whose lanes has been held this long is closed (its lanes' caches go with it).</summary>
    public TimeSpan IdleTimeout { get; init; } = ConnectionLimits.Reference.IdleTimeout;

    /// <summary>At most one warning per this interval that lease requests wait at the socket limit.</summary>
    public TimeSpan LeaseWaitWarningInterval { get; init; } = ConnectionLimits.Reference.LeaseWaitWarningInterval;

    /// <summary>Responses in flight per socket at most (the server allows 16); further requests wait in the socket.</summary>
    public int MaxInFlightPerConnection { get; init; } = ConnectionLimits.Reference.MaxInFlightPerConnection;

    /// <summary>A socket retires (no new leases, in-flight responses finish, then it closes) at this age, before the server's 60-minute limit.</summary>
    public TimeSpan MaxAge { get; init; } = ConnectionLimits.Reference.MaxAge;

    /// <summary>
    /// After retiring, a socket keeps serving the lanes already leased (their holders are mid-turn and their chains
    /// are cached there) for at most this long; then it refuses new sends and closes once its responses end.
    /// <see cref="MaxAge"/> plus this must stay below the server's limit, with room for the last responses.
    /// </summary>
    public TimeSpan MaxDrain { get; init; } = ConnectionLimits.Reference.MaxDrain;

    /// <summary>Each socket retires up to this fraction earlier than <see cref="MaxAge"/>, so sockets opened together do not retire together.</summary>
    public double MaxAgeJitter { get; init; } = ConnectionLimits.Reference.MaxAgeJitter;

    /// <summary>Lease requests waiting for a lane beyond this are refused with <c>LaneUnavailable</c>.</summary>
    public int MaxQueuedLeases { get; init; } = ConnectionLimits.Reference.MaxQueuedLeases;

    public TimeSpan ConnectTimeout { get; init; } = ConnectionLimits.Reference.ConnectTimeout;

    /// <summary>First delay after a failed connection attempt; doubles per consecutive failure up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan MinBackoff { get; init; } = ConnectionLimits.Reference.MinBackoff;

    public TimeSpan MaxBackoff { get; init; } = ConnectionLimits.Reference.MaxBackoff;

    /// <summary>
    /// Longest silence between two events of one response (from its send to its first event too) before it counts as
    /// stalled: its owner sends it again in full elsewhere and the socket retires. Long enough for a reasoning model
    /// that thinks for minutes before its first output item; null turns it off.
    /// </summary>
    public TimeSpan? ResponseIdleTimeout { get; init; } = ConnectionLimits.Reference.ResponseIdleTimeout;

    /// <summary>Longest a response may run from its send to its last event before it counts as stalled; null sets no limit.</summary>
    public TimeSpan? ResponseTimeout { get; init; } = ConnectionLimits.Reference.ResponseTimeout;

    /// <summary>Largest server frame accepted; a larger one is a protocol violation that drops the socket.</summary>
    public int MaxFrameBytes { get; init; } = ConnectionLimits.Reference.MaxFrameBytes;

    /// <summary>WebSockets, HTTP, or WebSockets with a fall-back to HTTP (<see cref="TransportSelector"/>).</summary>
    public TransportMode Transport { get; init; } = ConnectionLimits.Reference.Transport;

    /// <summary>In <see cref="TransportMode.Auto"/>: failed connects in a row (backoff steps) that switch new turns to HTTP.</summary>
    public int FallbackAfterFailedConnects { get; init; } = ConnectionLimits.Reference.FallbackAfterFailedConnects;

    /// <summary>In <see cref="TransportMode.Auto"/>: how long new turns stay on HTTP after a fall-back before a WebSocket is tried again.</summary>
    public TimeSpan FallbackCoolDown { get; init; } = ConnectionLimits.Reference.FallbackCoolDown;

    /// <summary>
    /// HTTP leases at once at most, hence HTTP requests in flight at most (a lease carries one at a time); further
    /// lease requests wait in the manager's queue. Also the HTTP connections to the endpoint at most.
    /// </summary>
    public int MaxHttpRequests { get; init; } = ConnectionLimits.Reference.MaxHttpRequests;

    public override string ToString() =>
        $"EndpointSettings {{ ResponsesUrl = {ResponsesUrl}, ApiKey = {(ApiKey is null ? "none" : "***")}, MaxSockets = {MaxSockets}, LanesPerConnection = {LanesPerConnection}, Transport = {Transport.Name()} }}";
}
