using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Orchestrator.Emulator;

/// <summary>
/// A local stand-in for OpenAI's Responses API in WebSocket mode and over HTTP, with a scripted model
/// (DESIGN.md §1, §5). Kestrel on a loopback address, no logging of its own.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(3);

    private readonly WebApplication _app;
    private readonly EmulatorRuntime _runtime;
    private int _disposed;

    private EmulatorServer(WebApplication app, EmulatorRuntime runtime, Uri baseUrl)
    {
        _app = app;
        _runtime = runtime;
        BaseUrl = baseUrl;
        ResponsesUrl = new UriBuilder(baseUrl) { Scheme = "ws", Path = baseUrl.AbsolutePath + "/responses" }.Uri;
    }

    /// <summary>The SDK-style base URL, <c>http://127.0.0.1:PORT/v1</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The WebSocket endpoint, <c>ws://127.0.0.1:PORT/v1/responses</c>; the same path takes <c>POST</c> (HTTP transport).</summary>
    public Uri ResponsesUrl { get; }

    /// <summary>
    /// A copy of the recorded client events in arrival order, WebSocket messages and HTTP requests alike
    /// (<see cref="TrafficRecord.Transport"/>); empty unless <see cref="EmulatorOptions.RecordTraffic"/>.
    /// </summary>
    public IReadOnlyList<TrafficRecord> Traffic => _runtime.Traffic.Snapshot();

    public EmulatorCounters Counters => _runtime.Counters;

    /// <summary>
    /// Whether WebSocket upgrades are refused with <see cref="EmulatorOptions.WebSocketRefusalStatus"/> (starts as <see cref="EmulatorOptions.RefuseWebSockets"/>).
    /// Settable while running: open connections stay; the next upgrade sees the new value.
    /// </summary>
    public bool RefuseWebSockets
    {
        get => _runtime.RefuseWebSockets;
        set => _runtime.RefuseWebSockets = value;
    }

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        IPAddress address = ParseLoopback(options.Host);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, nameof(options.Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort, nameof(options.Port));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageBytes, 1, nameof(options.MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StoredResponseCapacity, 1, nameof(options.StoredResponseCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxQueuedResponses, nameof(options.MaxQueuedResponses));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxConnectionAge, TimeSpan.Zero, nameof(options.MaxConnectionAge));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ModelLatency, TimeSpan.Zero, nameof(options.ModelLatency));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TokenLatency, TimeSpan.Zero, nameof(options.TokenLatency));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ModelLatencyJitter, TimeSpan.Zero, nameof(options.ModelLatencyJitter));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ModelLatencyJitter, options.ModelLatency, nameof(options.ModelLatencyJitter));
        if (!double.IsFinite(options.TokensPerSecond) || options.TokensPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TokensPerSecond, "TokensPerSecond must be a finite number, zero (off) or more.");
        }

        if (options.TokensPerSecond > 0 && options.TokenLatency > TimeSpan.Zero)
        {
            throw new ArgumentException("Set either TokenLatency or TokensPerSecond, not both: each paces the output deltas.", nameof(options));
        }
        if (options.WebSocketRefusalStatus is not (426 or 404 or 405))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.WebSocketRefusalStatus, "WebSocketRefusalStatus must be 426, 404 or 405.");
        }

        ArgumentNullException.ThrowIfNull(options.Faults);
        options.Faults.Validate();

        // The empty builder reads no configuration files or environment and registers no log
        // providers: the host process owns the console.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // POST /v1/responses bounds its body itself (MaxMessageBytes), with the API's error rather than Kestrel's 413.
            kestrel.Limits.MaxRequestBodySize = null;
            // HTTP/1.1 only: WebSocket clients upgrade over it, and the write coalescing hooks its upgrade.
            kestrel.Listen(address, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = StopTimeout);

        // The emulator's request handling never blocks (latencies are timers), so it runs right on
        // the socket's I/O thread instead of hopping to the thread pool per read: one hop fewer per
        // request, which is most of the cost of a zero-latency round trip.
        builder.Services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = true);

        var runtime = new EmulatorRuntime(options);
        WebApplication app = builder.Build();
        app.Use(EmulatorEndpoint.GateUpgrades);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Run(new EmulatorEndpoint(runtime).HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            runtime.Dispose();
            throw;
        }

        return new EmulatorServer(app, runtime, BuildBaseUrl(app, address));
    }

    /// <summary>Closes every connection (bounded wait for the close handshake), then stops Kestrel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _runtime.Stop();
        await Task.WhenAll(_runtime.Sessions.Values.Select(session => session.ShutdownAsync()));
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
        _runtime.Dispose();
    }

    private static IPAddress ParseLoopback(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address))
        {
            return address;
        }

        throw new ArgumentException($"The emulator listens on loopback only; '{host}' is not a loopback address.", nameof(host));
    }

    private static Uri BuildBaseUrl(WebApplication app, IPAddress address)
    {
        IServerAddressesFeature? addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        string bound = addresses?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        int port = new Uri(bound).Port;
        return new UriBuilder(Uri.UriSchemeHttp, address.ToString(), port, "/v1").Uri;
    }
}
