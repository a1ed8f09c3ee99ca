using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Messages.Connections;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// One WebSocket to the Responses endpoint, owned by this actor alone.
/// <list type="bullet">
/// <item>Connects on start; requests that arrive meanwhile are stashed.</item>
/// <item>Sends are serialized through one writer loop; frames are read by one receive loop. Both loops only
/// talk to the actor by messages, never by touching its fields.</item>
/// <item>Each lane has at most one response in flight; every event read is routed to the lease that sent it.</item>
/// <item>A broken connection, a malformed frame or a failed connect fails every request in flight with
/// <see cref="ModelRequestFailed"/> (so its owner resends in full) and stops the actor at once, without waiting
/// for a close handshake. The connection manager watches it and replaces it.</item>
/// </list>
/// </summary>
public sealed class ResponsesSocket : ReceiveActor, IWithStash
{
    private readonly long _socketId;
    private readonly EndpointSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, InFlight> _inFlight = new();
    private ClientWebSocket? _socket;

    public ResponsesSocket(long socketId, EndpointSettings settings)
    {
        _socketId = socketId;
        _settings = settings;
        Connecting();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(long socketId, EndpointSettings settings) => Akka.Actor.Props.Create(() => new ResponsesSocket(socketId, settings));

    protected override void PreStart()
    {
        var self = Self;
        ConnectAsync().PipeTo(self, success: socket => new Connected(socket), failure: e => new ConnectionLost($"could not connect to {_settings.ResponsesUrl}: {Describe(e)}"));
    }

    protected override void PostStop()
    {
        _shutdown.Cancel();
        _outbox.Writer.TryComplete();
        FailAll("the socket stopped");
        _socket?.Abort();
        _socket?.Dispose();
        _shutdown.Dispose();
    }

    private void Connecting()
    {
        Receive<Connected>(connected =>
        {
            _socket = connected.Socket;
            Context.Parent.Tell(new SocketConnected(_socketId));
            var self = Self;
            _ = SendLoopAsync(connected.Socket, self);
            _ = ReceiveLoopAsync(connected.Socket, self);
            Stash.UnstashAll();
            Become(Open);
        });
        Receive<SendRequest>(_ => Stash.Stash());
        Receive<ConnectionLost>(Lost);
    }

    private void Open()
    {
        Receive<SendRequest>(request =>
        {
            if (_inFlight.ContainsKey(request.Lane))
            {
                Sender.Tell(new ModelRequestFailed(request.LeaseId, $"lane {request.Lane} already has a response in flight"));
                return;
            }
            _inFlight[request.Lane] = new InFlight(request.LeaseId, Sender);
            _outbox.Writer.TryWrite(request.Payload);
        });
        Receive<Inbound>(inbound =>
        {
            // One lane per socket until lanes (stream_id) are used: every event belongs to lane 0.
            const int lane = 0;
            if (!_inFlight.TryGetValue(lane, out var owner))
            {
                _log.Warning("Socket {0}: dropped a {1} event with no response in flight", _socketId, inbound.Event.Type);
                return;
            }
            owner.Owner.Tell(new ModelEvent(owner.LeaseId, inbound.Event));
            if (inbound.Event is ServerErrorEvent || inbound.Event is ResponseLifecycleEvent { IsTerminal: true })
                _inFlight.Remove(lane);
        });
        Receive<ConnectionLost>(Lost);
    }

    private void Lost(ConnectionLost lost)
    {
        _log.Info("Socket {0} closed: {1}", _socketId, lost.Reason);
        FailAll(lost.Reason);
        foreach (var envelope in Stash.ClearStash())
        {
            if (envelope.Message is SendRequest request) envelope.Sender.Tell(new ModelRequestFailed(request.LeaseId, lost.Reason));
        }
        // Requests still on their way land in dead letters; their owners learn of the loss from the manager's LaneLost.
        Context.Stop(Self);
    }

    private void FailAll(string reason)
    {
        foreach (var flight in _inFlight.Values) flight.Owner.Tell(new ModelRequestFailed(flight.LeaseId, reason));
        _inFlight.Clear();
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        try
        {
            if (_settings.ApiKey is { } key) socket.Options.SetRequestHeader("Authorization", $"Bearer {key}");
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(_settings.ConnectTimeout);
            await socket.ConnectAsync(_settings.ResponsesUrl, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task SendLoopAsync(ClientWebSocket socket, IActorRef self)
    {
        try
        {
            await foreach (var payload in _outbox.Reader.ReadAllAsync(_shutdown.Token).ConfigureAwait(false))
                await socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, _shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!_shutdown.IsCancellationRequested)
        {
            self.Tell(new ConnectionLost($"send failed: {Describe(e)}"));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ReceiveLoopAsync(ClientWebSocket socket, IActorRef self)
    {
        var frame = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(frame.GetMemory(16 * 1024), _shutdown.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    self.Tell(new ConnectionLost($"closed by the server ({socket.CloseStatus} {socket.CloseStatusDescription})".TrimEnd()));
                    return;
                }
                frame.Advance(result.Count);
                if (frame.WrittenCount > _settings.MaxFrameBytes)
                {
                    self.Tell(new ConnectionLost($"the server sent a frame over {_settings.MaxFrameBytes} bytes"));
                    return;
                }
                if (!result.EndOfMessage) continue;

                self.Tell(new Inbound(ServerEventParser.Parse(frame.WrittenMemory)));
                frame.ResetWrittenCount();
            }
        }
        catch (ProtocolException e)
        {
            self.Tell(new ConnectionLost($"protocol violation: {e.Message}"));
        }
        catch (Exception e) when (!_shutdown.IsCancellationRequested)
        {
            self.Tell(new ConnectionLost($"receive failed: {Describe(e)}"));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        WebSocketException { InnerException: { } inner } ws => $"{ws.Message} ({inner.Message})",
        _ => e.Message,
    };

    private sealed record Connected(ClientWebSocket Socket);

    private sealed record ConnectionLost(string Reason);

    private sealed record Inbound(ServerEvent Event);

    private sealed record InFlight(long LeaseId, IActorRef Owner);
}

/// <summary>Sent by a socket to its manager once its connection is open: the endpoint is reachable again.</summary>
public sealed record SocketConnected(long SocketId);
