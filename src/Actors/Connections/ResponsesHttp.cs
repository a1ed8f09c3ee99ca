using System.Net;
using System.Net.Http.Headers;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// The HTTP transport of one endpoint: each request a <c>POST {base}/responses</c> with <c>stream: true</c>, its
/// Server-Sent Events parsed by the same <see cref="ServerEventParser"/> as WebSocket frames and sent to the request's
/// owner as the same <see cref="ModelEvent"/>s, so that a conversation cannot tell the transports apart but by the
/// cache (there is none here: <see cref="Transport.Http"/>).
/// <list type="bullet">
/// <item>One <see cref="HttpClient"/> (one <see cref="SocketsHttpHandler"/>) for the endpoint, at most
/// <see cref="EndpointSettings.MaxHttpRequests"/> connections; the manager leases at most as many HTTP leases, each
/// with at most one request in flight, so this actor never holds more requests than that.</item>
/// <item>An HTTP error answer becomes the <c>error</c> event a WebSocket would carry (<see cref="HttpErrorAnswer"/>):
/// the conversation's retry and 429 policy apply unchanged. A failed request, a stream cut before its terminal event
/// or a malformed event is a <see cref="ModelRequestFailed"/>: resent in full, as after a lost connection.</item>
/// <item>Requests wait here while the endpoint is paused after a 429, in order.</item>
/// <item>A request silent for <see cref="EndpointSettings.ResponseIdleTimeout"/> (from its send, then from each event)
/// or running past <see cref="EndpointSettings.ResponseTimeout"/> is aborted and answered with a stalled
/// <see cref="ModelRequestFailed"/> (<see cref="StallDetector"/>); nothing else is affected, each request being a
/// stream of its own.</item>
/// <item><see cref="CancelRequest"/> aborts the request and answers <see cref="ModelRequestFailed"/>.</item>
/// </list>
/// Each request runs as a task that only tells this actor what it read; its events reach the actor in order.
/// </summary>
public sealed class ResponsesHttp : ReceiveActor, IWithTimers
{
    private readonly EndpointSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Target _target;
    private readonly Dictionary<long, InFlight> _inFlight = new();
    private readonly Queue<Pending> _waiting = new();
    private DateTime _pausedUntilUtc;
    private long _lastRequest;

    public ResponsesHttp(EndpointSettings settings, DateTime pausedUntilUtc, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _pausedUntilUtc = pausedUntilUtc;
        var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            MaxConnectionsPerServer = settings.MaxHttpRequests,
            EnableMultipleHttp2Connections = true,
            // Connections are replaced now and then, so that a change of the endpoint's addresses is seen.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            // The stall limits bound a request, as they bound a WebSocket response.
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _target = new Target(http, ToHttpUrl(settings.ResponsesUrl), settings.ApiKey, settings.MaxFrameBytes, time);

        Receive<SendRequest>(request =>
        {
            if (_inFlight.ContainsKey(request.LeaseId) || _waiting.Any(w => w.Request.LeaseId == request.LeaseId))
            {
                Sender.Tell(new ModelRequestFailed(request.LeaseId, "the lease already has a request in flight"));
                return;
            }
            _waiting.Enqueue(new Pending(request, Sender));
            SendWaiting();
        });
        Receive<CancelRequest>(cancel =>
        {
            if (_inFlight.Remove(cancel.LeaseId, out var flight))
            {
                flight.Abort();
                Ended(1);
                flight.Owner.Tell(new ModelRequestFailed(cancel.LeaseId, "the request was cancelled"));
            }
        });
        Receive<Inbound>(inbound =>
        {
            if (!_inFlight.TryGetValue(inbound.LeaseId, out var flight) || flight.Number != inbound.Number) return;
            flight.LastEventAt = _time.GetTimestamp();
            if (HolderEvents.Forwarded(inbound.Event)) flight.Owner.Tell(new ModelEvent(inbound.LeaseId, inbound.Event));
            if (inbound.Event is not (ServerErrorEvent or ResponseLifecycleEvent { IsTerminal: true })) return;
            // The task stops reading at the terminal event by itself.
            _inFlight.Remove(inbound.LeaseId);
            Ended(1);
        });
        Receive<StreamEnded>(ended =>
        {
            if (!_inFlight.TryGetValue(ended.LeaseId, out var flight) || flight.Number != ended.Number) return;
            _inFlight.Remove(ended.LeaseId);
            flight.Abort();
            Ended(1);
            flight.Owner.Tell(new ModelRequestFailed(ended.LeaseId, ended.Reason));
        });
        Receive<PauseSends>(pause =>
        {
            if (pause.UntilUtc > _pausedUntilUtc) _pausedUntilUtc = pause.UntilUtc;
        });
        Receive<Resume>(_ => SendWaiting());
        Receive<Sweep>(_ => FailStalled());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="time">The clock pauses and stalls are read from; <see cref="TimeProvider.System"/> when null.</param>
    public static Props Props(EndpointSettings settings, DateTime pausedUntilUtc = default, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        return Akka.Actor.Props.Create(() => new ResponsesHttp(settings, pausedUntilUtc, clock));
    }

    /// <summary><c>ws://host/v1/responses</c> → <c>http://host/v1/responses</c> (wss → https).</summary>
    public static Uri ToHttpUrl(Uri responsesUrl) => new UriBuilder(responsesUrl)
    {
        Scheme = responsesUrl.Scheme is "wss" or "https" ? "https" : "http",
        Port = responsesUrl.IsDefaultPort ? -1 : responsesUrl.Port,
    }.Uri;

    protected override void PreStart()
    {
        if (StallDetector.SweepInterval(_settings) is { } sweep) Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, sweep);
    }

    protected override void PostStop()
    {
        foreach (var (leaseId, flight) in _inFlight)
        {
            flight.Abort();
            flight.Owner.Tell(new ModelRequestFailed(leaseId, "the HTTP transport stopped"));
        }
        Ended(_inFlight.Count);
        _inFlight.Clear();
        // Never sent: nothing to void on the server, so the owner may send again at once.
        while (_waiting.TryDequeue(out var pending)) pending.Owner.Tell(new LaneRetired(pending.Request.LeaseId));
        _target.Http.Dispose();
    }

    private void SendWaiting()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (now < _pausedUntilUtc)
        {
            Timers.StartSingleTimer(Resume.Instance, Resume.Instance, _pausedUntilUtc - now);
            return;
        }
        var self = Self;
        while (_waiting.TryDequeue(out var next))
        {
            var flight = new InFlight(++_lastRequest, next.Owner, _time.GetTimestamp());
            _inFlight[next.Request.LeaseId] = flight;
            ConnectionMetrics.ResponseStarted();
            ConnectionMetrics.HttpRequestStarted();
            _ = RunAsync(_target, next.Request, flight.Number, flight.Cancellation.Token, self);
        }
    }

    private void FailStalled()
    {
        if (_inFlight.Count == 0) return;
        var now = _time.GetTimestamp();
        foreach (var (leaseId, flight) in _inFlight.ToList())
        {
            if (StallDetector.Stalled(_time.GetElapsedTime(flight.LastEventAt, now), _time.GetElapsedTime(flight.SentAt, now), _settings) is not { } reason) continue;
            _inFlight.Remove(leaseId);
            flight.Abort();
            Ended(1);
            _log.Info("HTTP request of lease {0} aborted: {1}", leaseId, reason);
            flight.Owner.Tell(new ModelRequestFailed(leaseId, reason, Stalled: true));
        }
    }

    private static void Ended(int count)
    {
        ConnectionMetrics.ResponseEnded(count);
        ConnectionMetrics.HttpRequestEnded(count);
    }

    /// <summary>
    /// Posts one request and tells <paramref name="self"/> every event read up to the terminal one, or how the stream
    /// failed. Leaving the rest of a finished stream to the handler lets it drain it and reuse the connection.
    /// </summary>
    private static async Task RunAsync(Target target, SendRequest send, long number, CancellationToken cancellation, IActorRef self)
    {
        var leaseId = send.LeaseId;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
            {
                Content = new ByteArrayContent(HttpRequestBody.FromClientEvent(send.Payload)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (target.ApiKey is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

            using var response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadBoundedAsync(response.Content, target.MaxEventBytes, cancellation).ConfigureAwait(false);
                var retryAfter = HttpErrorAnswer.RetryAfter(response.Headers, target.Time.GetUtcNow());
                self.Tell(new Inbound(number, leaseId, HttpErrorAnswer.ToEvent((int)response.StatusCode, body, retryAfter)));
                return;
            }
            await using var stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            var reader = new ServerSentEventReader(stream, target.MaxEventBytes);
            while (await reader.ReadAsync(cancellation).ConfigureAwait(false) is { } data)
            {
                var e = ServerEventParser.Parse(data, readStreamedItems: false);
                self.Tell(new Inbound(number, leaseId, e));
                if (e is ServerErrorEvent or ResponseLifecycleEvent { IsTerminal: true }) return;
            }
            self.Tell(new StreamEnded(number, leaseId, $"the event stream of {target.Url} ended before its response did"));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Aborted by the actor, which has answered the owner already.
        }
        catch (ProtocolException e)
        {
            self.Tell(new StreamEnded(number, leaseId, $"protocol violation: {e.Message}"));
        }
        catch (Exception e)
        {
            self.Tell(new StreamEnded(number, leaseId, $"POST {target.Url} failed: {Describe(e)}"));
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken cancellation)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        var buffer = new byte[Math.Min(maxBytes, 64 * 1024)];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellation).ConfigureAwait(false)) > 0) length += read;
        return buffer[..length];
    }

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        HttpRequestException { InnerException: { } inner } http when !http.Message.Contains(inner.Message, StringComparison.Ordinal) => $"{http.Message} ({inner.Message})",
        _ => e.Message,
    };

    /// <summary>What a request's task needs, none of it the actor's state.</summary>
    private sealed record Target(HttpClient Http, Uri Url, string? ApiKey, int MaxEventBytes, TimeProvider Time);

    private sealed record Inbound(long Number, long LeaseId, ServerEvent Event);

    private sealed record StreamEnded(long Number, long LeaseId, string Reason);

    private sealed record Pending(SendRequest Request, IActorRef Owner);

    /// <summary>A request in flight; <see cref="Number"/> tells its events from those of an earlier request of the same lease.</summary>
    private sealed class InFlight(long number, IActorRef owner, long sentAt)
    {
        public long Number { get; } = number;
        public IActorRef Owner { get; } = owner;
        public long SentAt { get; } = sentAt;
        public long LastEventAt { get; set; } = sentAt;
        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>Stops the request's task and drops its connection; its later messages are dropped by number.</summary>
        public void Abort() => Cancellation.Cancel();
    }

    private sealed class Resume
    {
        public static readonly Resume Instance = new();
    }

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
