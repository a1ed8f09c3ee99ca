namespace Orchestrator.Emulator;

/// <summary>How an <see cref="EmulatorServer"/> listens and behaves.</summary>
public sealed record EmulatorOptions
{
    /// <summary>The default bound on one client message (all frames of it), as a real server bounds its input.</summary>
    public const int DefaultMaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>Loopback address to listen on ("127.0.0.1", "::1" or "localhost"); anything else is refused.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="EmulatorServer.BaseUrl"/>).</summary>
    public int Port { get; init; }

    /// <summary>
    /// Time between <c>response.in_progress</c> and the first output item: the model "thinking". With
    /// <see cref="ModelLatencyJitter"/> it is the mean of a distribution drawn per response.
    /// </summary>
    public TimeSpan ModelLatency { get; init; }

    /// <summary>
    /// Spread of the model latency: each response's latency is uniform in <see cref="ModelLatency"/> ± this, drawn from
    /// <see cref="LatencySeed"/> and the request's number (reproducible). At most <see cref="ModelLatency"/>; zero by default.
    /// </summary>
    public TimeSpan ModelLatencyJitter { get; init; }

    /// <summary>Seed of the model latency draws (<see cref="ModelLatencyJitter"/>).</summary>
    public int LatencySeed { get; init; }

    /// <summary>Delay before each output delta (see <see cref="TokensPerSecond"/> for the alternative).</summary>
    public TimeSpan TokenLatency { get; init; }

    /// <summary>
    /// When above zero, output deltas stream at this rate instead of <see cref="TokenLatency"/>: a "token" is one delta
    /// event (a text delta of up to three words, or a function-call arguments delta of up to 24 characters), and the
    /// k-th delta of a response leaves no earlier than k / rate seconds after its output began (after the model
    /// latency). Not together with <see cref="TokenLatency"/>.
    /// </summary>
    public double TokensPerSecond { get; init; }

    /// <summary>When set, the WebSocket upgrade needs <c>Authorization: Bearer &lt;key&gt;</c>, else HTTP 401.</summary>
    public string? RequiredApiKey { get; init; }

    /// <summary>Keep a <see cref="TrafficRecord"/> per client event in memory (see <see cref="EmulatorServer.Traffic"/>).</summary>
    public bool RecordTraffic { get; init; }

    /// <summary>When set, append one JSON line per client event (WebSocket message or HTTP request) to this file.</summary>
    public string? TrafficLogPath { get; init; }

    /// <summary>Largest client message accepted; a larger one gets an error event and the connection is closed (1009).</summary>
    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>How many <c>store=true</c> responses are kept process-wide (least recently used are evicted).</summary>
    public int StoredResponseCapacity { get; init; } = 100_000;

    /// <summary>
    /// How long a connection may live; then the server sends <c>websocket_connection_limit_reached</c>
    /// and closes it, as the real server does after 60 minutes.
    /// </summary>
    public TimeSpan MaxConnectionAge { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>
    /// When set, every generated response starts with a <c>reasoning</c> item, whose opaque
    /// <c>encrypted_content</c> is sent only when the request's <c>include</c> asks for
    /// <c>reasoning.encrypted_content</c>; a resent reasoning item with altered content is refused.
    /// </summary>
    public bool EmitReasoning { get; init; }

    /// <summary>
    /// How many <c>response.create</c> events may wait on one connection beyond the 16 that run (behind their lane, or
    /// for a running place); one more is refused with <c>websocket_queue_limit_reached</c> (400, echoing <c>stream_id</c>).
    /// The real server documents no such bound; this one keeps a flooding client from holding unbounded memory (each
    /// waiting request keeps its message, up to <see cref="MaxMessageBytes"/>).
    /// </summary>
    public int MaxQueuedResponses { get; init; } = DefaultMaxQueuedResponses;

    /// <summary>The default of <see cref="MaxQueuedResponses"/>.</summary>
    public const int DefaultMaxQueuedResponses = 1024;

    /// <summary>
    /// Answer every WebSocket upgrade with HTTP 426 (as a gateway or an account without WebSocket mode does), so clients
    /// must use <c>POST /v1/responses</c>. <see cref="EmulatorServer.RefuseWebSockets"/> switches it while running.
    /// </summary>
    public bool RefuseWebSockets { get; init; }

    /// <summary>
    /// The status refused upgrades get (<see cref="RefuseWebSockets"/>): 426 (Upgrade Required, the default), 404 or 405,
    /// the answers a client meets where WebSocket mode is missing.
    /// </summary>
    public int WebSocketRefusalStatus { get; init; } = 426;

    /// <summary>
    /// Models that answer <c>response.steer</c> with <c>steering_not_supported</c>, as models before steering do; every
    /// other model accepts steering.
    /// </summary>
    public IReadOnlySet<string> ModelsWithoutSteering { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Faults to inject (<see cref="EmulatorFaults.None"/> by default).</summary>
    public EmulatorFaults Faults { get; init; } = EmulatorFaults.None;
}
