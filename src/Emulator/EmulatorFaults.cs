namespace Orchestrator.Emulator;

/// <summary>
/// Misbehaviour on purpose, for testing a client's fault handling. Immutable and reproducible:
/// "the k-th request" counts <c>response.create</c> events in the order the server received them
/// (1-based, all connections and <c>POST /v1/responses</c> requests together), "the k-th connection" counts upgrade attempts, and every
/// probability is decided by a hash of <see cref="Seed"/> and that number — never by timing — so
/// the same seed and the same traffic give the same faults. Everything is off by default.
/// </summary>
public sealed record EmulatorFaults
{
    /// <summary>No faults: the emulator behaves.</summary>
    public static EmulatorFaults None { get; } = new();

    /// <summary>Seed of the probability draws.</summary>
    public int Seed { get; init; }

    /// <summary>Chance (0–1) that a request's connection is dropped mid-stream, without a close frame.</summary>
    public double DropProbability { get; init; }

    /// <summary>
    /// Chance (0–1) that a connection is dropped mid-stream once in its life, without a close frame: at one of its first
    /// <see cref="ConnectionDropWithin"/> requests, drawn. A connection that carries fewer requests is not dropped.
    /// Unlike <see cref="DropProbability"/>, the share of dropped connections does not grow with their traffic.
    /// </summary>
    public double ConnectionDropProbability { get; init; }

    /// <summary>The requests of a doomed connection among which its drop falls (see <see cref="ConnectionDropProbability"/>).</summary>
    public const int ConnectionDropWithin = 16;

    /// <summary>Requests whose connection is dropped mid-stream (after the first output item is announced).</summary>
    public IReadOnlySet<long> DropOnRequests { get; init; } = new HashSet<long>();

    /// <summary>Requests answered with an injected error instead of a response.</summary>
    public IReadOnlyDictionary<long, InjectedError> ErrorOnRequests { get; init; } = new Dictionary<long, InjectedError>();

    /// <summary>The <c>retry-after</c> sent with <see cref="InjectedError.RateLimitExceeded"/> and refused upgrades.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests whose stream carries one frame that is not valid JSON (right after <c>response.in_progress</c>).</summary>
    public IReadOnlySet<long> MalformedFrameOnRequests { get; init; } = new HashSet<long>();

    /// <summary>Connection attempts (1-based) refused with HTTP 429 instead of the WebSocket upgrade.</summary>
    public IReadOnlySet<long> RefuseUpgrades { get; init; } = new HashSet<long>();

    /// <summary>Chance (0–1) that a connection attempt is refused with HTTP 429.</summary>
    public double RefuseUpgradeProbability { get; init; }

    /// <summary>
    /// Requests whose response hangs: <c>response.created</c> and <c>response.in_progress</c> (only <c>response.created</c>
    /// for <c>generate:false</c>), then nothing more while the socket stays open — no terminal event, no error, no close.
    /// The hung response keeps its lane and its in-flight place until the connection ends; other lanes and connections
    /// go on. An injected error event (<see cref="ErrorOnRequests"/>) on the same request wins; a hang wins over a drop
    /// and over <see cref="InjectedError.ResponseFailed"/>.
    /// </summary>
    public IReadOnlySet<long> HangOnRequests { get; init; } = new HashSet<long>();

    /// <summary>Chance (0–1) that a request's response hangs (see <see cref="HangOnRequests"/>).</summary>
    public double HangProbability { get; init; }

    /// <summary>
    /// Requests whose HTTP event stream (<c>POST /v1/responses</c>, <c>stream: true</c>) is cut after this many of its
    /// events, counted from <c>response.created</c>: those events arrive, then the connection is aborted with no terminal
    /// event. With <c>stream: false</c> the connection is aborted before the JSON answer. Requests over a WebSocket are
    /// not affected. Each count is at least 1.
    /// </summary>
    public IReadOnlyDictionary<long, int> DropHttpStreamAfter { get; init; } = new Dictionary<long, int>();

    /// <summary>True when any fault is configured.</summary>
    public bool Any =>
        DropProbability > 0 || ConnectionDropProbability > 0 || DropOnRequests.Count > 0 || ErrorOnRequests.Count > 0
        || MalformedFrameOnRequests.Count > 0 || RefuseUpgrades.Count > 0 || RefuseUpgradeProbability > 0
        || HangOnRequests.Count > 0 || HangProbability > 0 || DropHttpStreamAfter.Count > 0;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(DropProbability, nameof(DropProbability));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DropProbability, 1, nameof(DropProbability));
        ArgumentOutOfRangeException.ThrowIfNegative(ConnectionDropProbability, nameof(ConnectionDropProbability));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ConnectionDropProbability, 1, nameof(ConnectionDropProbability));
        ArgumentOutOfRangeException.ThrowIfNegative(RefuseUpgradeProbability, nameof(RefuseUpgradeProbability));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RefuseUpgradeProbability, 1, nameof(RefuseUpgradeProbability));
        ArgumentOutOfRangeException.ThrowIfNegative(HangProbability, nameof(HangProbability));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HangProbability, 1, nameof(HangProbability));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryAfter, TimeSpan.Zero, nameof(RetryAfter));
        foreach ((long request, int events) in DropHttpStreamAfter)
        {
            if (events < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(DropHttpStreamAfter), events, $"Request {request}: the HTTP stream is cut after at least one event.");
            }
        }
    }
}
