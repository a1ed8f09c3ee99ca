using Akka.Actor;
using Akka.Event;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Orchestrator.Actors;
using Orchestrator.Actors.Tools;

namespace Orchestrator.Tools.Mcp;

/// <summary>
/// Keeps one MCP server connected and its tools in the node's registry.
/// <code>
///   Connecting(failures) ──opened──▶ Connected(session) ──closed──▶ WaitingToReconnect(1)
///        ▲        └──failed──▶ WaitingToReconnect(failures + 1)            │
///        └──────────────────────── reconnect (backoff timer) ◀──────────────┘
/// </code>
/// Connected, it lists the tools again when the server sends <c>notifications/tools/list_changed</c>. A lost server
/// keeps its tools declared, so the model's calls to them get <c>unavailable</c> error outputs (the node does not
/// fail); reconnection doubles its wait from <see cref="McpSourceOptions.MinBackoff"/> up to
/// <see cref="McpSourceOptions.MaxBackoff"/> and goes on at that pace. Every change of state is published on the event
/// stream as an <see cref="McpServerStatus"/>.
/// </summary>
public sealed class McpServerActor : ReceiveActor, IWithTimers
{
    private const string ReconnectTimer = "reconnect";

    private readonly McpServer _server;
    private readonly McpServerLink _link;
    private readonly ToolRegistry _registry;
    private readonly McpSourceOptions _options;
    private readonly Func<string, string?> _environment;
    private readonly TaskCompletionSource? _firstAttempt;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _generation;

    /// <param name="firstAttempt">Completed once the first connection attempt has ended, connected or not.</param>
    public McpServerActor(McpServer server, ToolRegistry registry, McpSourceOptions options, Func<string, string?> environment, TaskCompletionSource? firstAttempt = null)
    {
        _firstAttempt = firstAttempt;
        _server = server;
        _link = new McpServerLink(server.Name);
        _registry = registry;
        _options = options;
        _environment = environment;
        Become(Connecting(failures: 0));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(McpServer server, ToolRegistry registry, McpSourceOptions options, Func<string, string?> environment, TaskCompletionSource? firstAttempt = null) =>
        FactoryProps.Of(() => new McpServerActor(server, registry, options, environment, firstAttempt));

    private Action Connecting(int failures)
    {
        var generation = ++_generation;
        var self = Self;
        OpenAsync(generation, self).PipeTo(self, success: opened => opened, failure: e => new OpenFailed(generation, e));
        return () =>
        {
            Receive<Opened>(opened => opened.Session.Generation == generation, opened =>
            {
                McpTelemetry.AttemptEnded(_server.Name, connected: true);
                Publish(opened.Tools);
                _link.Session = opened.Session;
                opened.Session.Client.Completion.PipeTo(self, success: _ => new Closed(generation), failure: _ => new Closed(generation));
                _log.Info("MCP server {0} connected: {1} tools", _server.Name, opened.Tools.Count);
                Context.System.EventStream.Publish(new McpServerStatus(_server.Name, Connected: true, opened.Tools.Count));
                Become(Connected(opened.Session));
                _firstAttempt?.TrySetResult();
            });
            Receive<OpenFailed>(failed => failed.Generation == generation, failed =>
            {
                McpTelemetry.AttemptEnded(_server.Name, connected: false);
                var delay = McpBackoff.Delay(failures + 1, _options.MinBackoff, _options.MaxBackoff);
                _log.Warning("MCP server {0} could not be connected ({1}); next attempt in {2}", _server.Name, Describe(failed.Cause), delay);
                Context.System.EventStream.Publish(new McpServerStatus(_server.Name, Connected: false, _registry.Definitions.Count(d => IsOurs(d.Name))));
                Timers.StartSingleTimer(ReconnectTimer, Reconnect.Instance, delay);
                Become(WaitingToReconnect(failures + 1));
                _firstAttempt?.TrySetResult();
            });
        };
    }

    private Action Connected(McpSession session) => () =>
    {
        Receive<ToolsChanged>(changed => changed.Generation == session.Generation, _ =>
            session.Client.ListToolsAsync(cancellationToken: session.Lost).AsTask().PipeTo(
                Self,
                success: tools => new Listed(session.Generation, tools.Select(t => t.ProtocolTool).ToList()),
                failure: e => new ListFailed(session.Generation, e)));
        Receive<Listed>(listed => listed.Generation == session.Generation, listed =>
        {
            Publish(listed.Tools);
            _log.Info("MCP server {0} changed its tools: {1} now", _server.Name, listed.Tools.Count);
            Context.System.EventStream.Publish(new McpServerStatus(_server.Name, Connected: true, listed.Tools.Count));
        });
        Receive<ListFailed>(failed => failed.Generation == session.Generation, failed =>
            _log.Warning("MCP server {0} said its tools changed but listing them failed ({1}); its previous tools stay declared", _server.Name, Describe(failed.Cause)));
        Receive<Closed>(closed => closed.Generation == session.Generation, closed =>
        {
            _link.Session = null;
            _ = session.CloseAsync();
            McpTelemetry.Disconnected(_server.Name);
            var delay = McpBackoff.Delay(1, _options.MinBackoff, _options.MaxBackoff);
            _log.Warning("MCP server {0} disconnected; its calls get error outputs until it is back; reconnecting in {1}", _server.Name, delay);
            Context.System.EventStream.Publish(new McpServerStatus(_server.Name, Connected: false, _registry.Definitions.Count(d => IsOurs(d.Name))));
            Timers.StartSingleTimer(ReconnectTimer, Reconnect.Instance, delay);
            Become(WaitingToReconnect(1));
        });
    };

    private Action WaitingToReconnect(int failures) => () =>
        Receive<Reconnect>(_ => Become(Connecting(failures)));

    protected override void Unhandled(object message)
    {
        // Results of an older connection or attempt: close what they opened, ignore the rest.
        if (message is Opened stale) _ = stale.Session.CloseAsync();
        else if (message is not (OpenFailed or Closed or ToolsChanged or Listed or ListFailed)) base.Unhandled(message);
    }

    protected override void PostStop()
    {
        _firstAttempt?.TrySetResult();
        _stopping.Cancel();
        if (_link.Session is { } session)
        {
            _link.Session = null;
            McpTelemetry.Disconnected(_server.Name);
            _ = session.CloseAsync();
        }
        _stopping.Dispose();
    }

    private async Task<Opened> OpenAsync(int generation, IActorRef self)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        var log = _log;
        var name = _server.Name;
        var transport = _server.CreateTransport(_environment, line => log.Debug("MCP server {0} stderr: {1}", name, line));
        var options = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "orchestrator", Version = typeof(McpServerActor).Assembly.GetName().Version?.ToString() ?? "0" },
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.ToolListChangedNotification, (_, _) =>
                    {
                        self.Tell(new ToolsChanged(generation));
                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        };
        var client = await McpClient.CreateAsync(transport, options, cancellationToken: timeout.Token).ConfigureAwait(false);
        var session = new McpSession(client, generation);
        try
        {
            var tools = await client.ListToolsAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            return new Opened(session, tools.Select(t => t.ProtocolTool).ToList());
        }
        catch
        {
            await session.CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Publish(IReadOnlyList<Tool> tools)
    {
        var rejected = _registry.ReplaceSource(_link.Source, tools.Select(_link.ToolFor).ToList());
        if (rejected.Count > 0)
            _log.Warning("MCP server {0}: tools left out because their names are taken by other tools: {1}", _server.Name, string.Join(", ", rejected));
    }

    private bool IsOurs(string toolName) => toolName.StartsWith(_server.Name + McpToolNames.Separator, StringComparison.Ordinal);

    private static string Describe(Exception e) => e is AggregateException { InnerException: { } inner } ? Describe(inner) : $"{e.GetType().Name}: {e.Message}";

    private sealed record Opened(McpSession Session, IReadOnlyList<Tool> Tools);

    private sealed record OpenFailed(int Generation, Exception Cause);

    private sealed record Closed(int Generation);

    private sealed record ToolsChanged(int Generation);

    private sealed record Listed(int Generation, IReadOnlyList<Tool> Tools);

    private sealed record ListFailed(int Generation, Exception Cause);

    private sealed class Reconnect
    {
        public static readonly Reconnect Instance = new();
    }
}
